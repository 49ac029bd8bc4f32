/**
 * The database could not be reached, or dropped the connection, or did not answer in time: not the
 * caller's fault, and nothing was committed. HTTP answers 503 + Retry-After; a message handler
 * waits for the database instead of using up an attempt.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  /** What readiness, logs and the consumer's pause call this dependency. */
  readonly dependency = 'the database';

  constructor(options?: ErrorOptions) {
    super(
      'The database is unavailable' +
        (options?.cause instanceof Error ? ` (${options.cause.message})` : ''),
      options,
    );
  }
}

/** The data folder of the embedded database is in use by another process. */
export class DataDirectoryLockedError extends Error {
  override readonly name = 'DataDirectoryLockedError';

  constructor(
    readonly directory: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database folder ${directory} is in use by process ${pid}. An embedded database ` +
        'serves one process only: stop the other one, or set DATABASE_URL to a PostgreSQL server, ' +
        'which replicas need.',
    );
  }
}

/** Node socket errors that mean the server is not there (or went away). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/**
 * Whether a database error means the database is away (so retrying later can work), as opposed to
 * a problem with the statement or the data: connection and socket errors, SQLSTATE class 08
 * (connection exception), 57P01-57P03 (shutting down, cannot connect now), 53 (insufficient
 * resources), a statement timeout (57014), and pg's own timeouts and closed pools.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) {
    return true;
  }
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (CONNECTION_CODES.has(code) || code.startsWith('08') || code.startsWith('53')) {
      return true;
    }
    if (['57P01', '57P02', '57P03', '57014'].includes(code)) {
      return true;
    }
  }
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Cannot use a pool after calling end|Client has encountered a connection error|Connection ended unexpectedly/i.test(
      message,
    )
  );
}
