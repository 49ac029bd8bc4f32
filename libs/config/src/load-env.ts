import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';

/** Raised at start-up when an environment variable is missing or malformed; names the variables, never their values. */
export class InvalidEnvironmentError extends Error {
  override readonly name = 'InvalidEnvironmentError';

  constructor(readonly problems: Record<string, string[]>) {
    super(
      `Invalid environment variables: ${Object.entries(problems)
        .map(([variable, messages]) => `${variable} (${messages.join('; ')})`)
        .join(', ')}`,
    );
  }
}

/**
 * Validates the environment once against a class of decorated properties, so a bad value stops the
 * process at start-up with the variable's name instead of failing later at first use.
 */
export function loadEnv<T extends object>(
  schema: ClassConstructor<T>,
  env: NodeJS.ProcessEnv = process.env,
): T {
  const candidate = plainToInstance(schema, { ...env }, { exposeDefaultValues: true });
  const errors = validateSync(candidate, { whitelist: true, validationError: { value: false } });
  if (errors.length > 0) {
    throw new InvalidEnvironmentError(
      Object.fromEntries(errors.map((e) => [e.property, Object.values(e.constraints ?? {})])),
    );
  }
  return candidate;
}
