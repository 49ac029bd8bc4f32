import { IsInt, IsOptional, IsString, Matches, Min, MinLength } from 'class-validator';
import { EmptyAsUndefined, ToList, ToNumber } from '@app/config';

/** Security settings of the producer's HTTP API. */
export class SecurityEnv {
  /** When set, every request except the public paths needs `X-API-Key: <API_KEY>`. */
  @EmptyAsUndefined()
  @IsOptional()
  @IsString()
  @MinLength(16)
  API_KEY?: string;

  /**
   * Paths (and what lies below them) that stay open when API_KEY is set; add /metrics, /docs,
   * /docs-json or /asyncapi.json to expose them. Setting it replaces the default: keep the health
   * paths in it, or the compose health checks fail.
   */
  @ToList()
  @Matches(/^\/\S*$/, { each: true, message: 'must be a comma-separated list of paths' })
  API_KEY_PUBLIC_PATHS: string[] = ['/health/live', '/health/ready'];

  /**
   * Requests per client IP per window, all routes together (health is never limited); 0 turns rate
   * limiting off.
   */
  @ToNumber()
  @IsInt()
  @Min(0)
  RATE_LIMIT_MAX = 600;

  /** The rate limit's window. */
  @ToNumber()
  @IsInt()
  @Min(100)
  RATE_LIMIT_WINDOW_MS = 60_000;
}
