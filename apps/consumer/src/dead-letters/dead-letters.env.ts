import { IsOptional, IsString, Matches, MinLength } from 'class-validator';
import { EmptyAsUndefined } from '@app/config';

/** Settings of the dead-letter admin endpoints, validated at start-up like every other variable. */
export class DeadLettersEnv {
  /**
   * Bearer token of the `/admin/dead-letters` endpoints. Unset (or empty) disables them: they then
   * answer 404, as if they did not exist. At least 16 characters, no whitespace.
   */
  @EmptyAsUndefined()
  @IsOptional()
  @IsString()
  @MinLength(16)
  @Matches(/^\S+$/, { message: 'ADMIN_TOKEN must not contain whitespace' })
  ADMIN_TOKEN?: string;
}
