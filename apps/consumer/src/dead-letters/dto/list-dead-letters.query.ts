import { IsInt, Max, Min } from 'class-validator';
import { ToNumber } from '@app/config';

/** Most messages one listing returns: bounds the response and the deliveries held while reading. */
export const MAX_PAGE_SIZE = 500;
/** Furthest a listing or a look-up by messageId reads into the queue. */
export const MAX_SCAN_DEPTH = 10_000;

/** `?limit=&offset=` of `GET /admin/dead-letters`; paging is by position in the queue. */
export class ListDeadLettersQuery {
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit = 50;

  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(MAX_SCAN_DEPTH - MAX_PAGE_SIZE)
  offset = 0;
}
