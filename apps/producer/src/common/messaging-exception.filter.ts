import {
  Catch,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';
import {
  BrokerUnavailableError,
  MessagingError,
  PublishRejectedError,
  RemoteHandlerError,
  RequestTimeoutError,
  UnroutableMessageError,
} from '@app/messaging';
import { DatabaseUnavailableError } from '@app/persistence';
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  OrderNotCancellableError,
  OrderNotFoundError,
} from '../orders/order.errors';

const RETRY_AFTER_SECONDS = 5;

interface ErrorResponse {
  status: number;
  body: Record<string, unknown>;
  retryAfter?: number;
}

/** Maps messaging failures to HTTP: the caller learns whether to retry, fix its input, or wait. */
export function toErrorResponse(error: Error): ErrorResponse {
  if (error instanceof BrokerUnavailableError) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      body: { message: 'The message broker is unavailable; retry later' },
      retryAfter: error.retryAfterSeconds,
    };
  }
  if (error instanceof DatabaseUnavailableError) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      body: { message: 'The database is unavailable; nothing was stored, retry later' },
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  if (error instanceof OrderNotFoundError) {
    return { status: HttpStatus.NOT_FOUND, body: { message: error.message } };
  }
  if (error instanceof OrderNotCancellableError) {
    return { status: HttpStatus.CONFLICT, body: { message: error.message } };
  }
  if (error instanceof UnroutableMessageError || error instanceof PublishRejectedError) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      body: { message: 'No service is ready to take this message; retry later' },
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  if (error instanceof RequestTimeoutError) {
    return {
      status: HttpStatus.GATEWAY_TIMEOUT,
      body: { message: `No reply within ${error.timeoutMs} ms` },
    };
  }
  if (error instanceof RemoteHandlerError && error.code === 'VALIDATION_FAILED') {
    return {
      status: HttpStatus.BAD_REQUEST,
      body: {
        message: 'Validation failed',
        errors: error.details,
        ...(error.omitted ? { omittedErrors: error.omitted } : {}),
      },
    };
  }
  if (error instanceof IdempotencyKeyInProgressError) {
    return {
      status: HttpStatus.CONFLICT,
      body: { message: error.message },
      retryAfter: 1,
    };
  }
  if (error instanceof IdempotencyKeyReusedError) {
    return { status: HttpStatus.UNPROCESSABLE_ENTITY, body: { message: error.message } };
  }
  return {
    status: HttpStatus.BAD_GATEWAY,
    body: { message: 'The downstream service failed to handle the request' },
  };
}

/** Answers messaging errors with the status from {@link toErrorResponse} and logs them. */
@Catch(
  MessagingError,
  DatabaseUnavailableError,
  IdempotencyKeyReusedError,
  IdempotencyKeyInProgressError,
  OrderNotFoundError,
  OrderNotCancellableError,
)
export class MessagingExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(MessagingExceptionFilter.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: Error, host: ArgumentsHost): void {
    const { status, body, retryAfter } = toErrorResponse(error);
    this.logger.warn(`${status} ${error.name}: ${error.message}`);
    const response: unknown = host.switchToHttp().getResponse();
    const { httpAdapter } = this.adapterHost;
    if (retryAfter !== undefined) {
      httpAdapter.setHeader(response, 'Retry-After', String(retryAfter));
    }
    httpAdapter.reply(
      response,
      { statusCode: status, error: STATUS_CODES[status], ...body },
      status,
    );
  }
}
