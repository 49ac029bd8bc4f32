import { IsInt, Max, Min } from 'class-validator';
import { ToNumber } from '@app/config';
import { SecurityEnv } from '../security/security.env';

/** The producer's own settings; broker settings live in MessagingEnv. */
export class ProducerEnv extends SecurityEnv {
  /** The producer's HTTP port. */
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(65_535)
  PORT = 3000;

  /** Largest accepted request body; bigger ones get 413. */
  @ToNumber()
  @IsInt()
  @Min(1_024)
  @Max(10_485_760)
  BODY_LIMIT_BYTES = 102_400;

  /** How long an Idempotency-Key keeps returning the same order; retention deletes older keys. */
  @ToNumber()
  @IsInt()
  @Min(1_000)
  IDEMPOTENCY_TTL_MS = 86_400_000;
}
