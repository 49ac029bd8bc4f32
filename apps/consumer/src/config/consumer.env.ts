import { IsInt, Max, Min } from 'class-validator';
import { ToNumber } from '@app/config';

/** The consumer's own settings; broker settings live in MessagingEnv. */
export class ConsumerEnv {
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(65_535)
  CONSUMER_PORT = 3001;
}
