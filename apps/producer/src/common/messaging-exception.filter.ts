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
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  IdempotencyStoreUnavailableError,
} from '../orders/idempotency.store';

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
  if (error instanceof IdempotencyStoreUnavailableError) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      body: { message: error.message },
      retryAfter: RETRY_AFTER_SECONDS,
    };
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
  IdempotencyKeyReusedError,
  IdempotencyKeyInProgressError,
  IdempotencyStoreUnavailableError,
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
