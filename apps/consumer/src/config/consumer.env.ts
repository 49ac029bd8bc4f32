import { IsInt, Max, Min } from 'class-validator';
import { ToNumber } from '@app/config';

/** The consumer's own settings; broker settings live in MessagingEnv. */
export class ConsumerEnv {
  /** The consumer's HTTP port: health, metrics and the dead-letter admin API. */
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(65_535)
  CONSUMER_PORT = 3001;
}
