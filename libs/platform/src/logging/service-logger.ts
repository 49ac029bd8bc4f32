import type { LoggerService } from '@nestjs/common';
import { IsIn, IsOptional } from 'class-validator';
import { pino, type Logger, type LoggerOptions } from 'pino';
import { CorrelationContext } from '../correlation/correlation-context';

type Level = 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal';

/** How the services log, validated like every other setting so a typo fails with its name. */
export class LoggingEnv {
  /**
   * `json` (one JSON line per entry) or `pretty` (for reading; needs pino-pretty, a development
   * dependency, and writes JSON without it, as in the image).
   * @default `json` when NODE_ENV is `production`, else `pretty`
   */
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  /** The lowest level written; `silent` writes nothing. */
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** `production` (the image sets it) makes `json` the default LOG_FORMAT. */
  @IsOptional()
  NODE_ENV?: string;
}

/** Whether pino-pretty is installed (it is a development dependency, absent from the image). */
function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * Nest's logger as JSON lines (pino), pretty in development. Every line written while a message is
 * handled, or an HTTP request served, carries its `correlationId` (and the `messageId`), so one
 * request can be followed from the producer's log into the consumer's.
 */
export class ServiceLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  /** LOG_FORMAT=json|pretty (default: json when NODE_ENV=production), LOG_LEVEL (default info). */
  static create(service: string, settings: LoggingEnv): ServiceLogger {
    const { LOG_FORMAT, LOG_LEVEL, NODE_ENV } = settings;
    const format = LOG_FORMAT ?? (NODE_ENV === 'production' ? 'json' : 'pretty');
    const options: LoggerOptions = {
      level: LOG_LEVEL,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => {
        const context = CorrelationContext.current();
        return context
          ? { correlationId: context.correlationId, messageId: context.causationId }
          : {};
      },
    };
    if (format === 'pretty' && prettyAvailable()) {
      options.transport = {
        target: 'pino-pretty',
        options: {
          ignore: 'pid,hostname,service,context',
          messageFormat: '{if context}[{context}] {end}{msg}',
          translateTime: 'SYS:HH:MM:ss.l',
        },
      };
    }
    if (options.transport) {
      return new ServiceLogger(pino(options));
    }
    // Asynchronous writes: under load, lines written while one write is in flight go out together
    // instead of one write() each (a sync stdout cost ~5 % of the consumer's CPU per message); at low
    // load each line still goes out at once. pino flushes what is left when the process exits.
    return new ServiceLogger(pino(options, pino.destination({ dest: 1, sync: false })));
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the context (the class name) last; an error's stack comes before it. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) {
      // Below LOG_LEVEL (e.g. the per-message debug lines): build nothing.
      return;
    }
    const context = typeof params.at(-1) === 'string' ? (params.pop() as string) : undefined;
    const stack = level === 'error' && typeof params[0] === 'string' ? params[0] : undefined;
    if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ context, ...message });
    } else {
      this.logger[level]({ context, ...(stack ? { stack } : {}) }, String(message));
    }
  }
}
