import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Observable } from 'rxjs';
import { CorrelationContext } from '../../correlation/correlation-context';

/** Header that carries the request id in and out of the HTTP API. */
export const REQUEST_ID_HEADER = 'x-request-id';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Takes the caller's `X-Request-Id` (or makes one), returns it in the response, and makes it the
 * correlationId of every message published while handling the request.
 */
@Injectable()
export class CorrelationIdInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const response = http.getResponse<{ header(name: string, value: string): unknown }>();
    const incoming = request.headers[REQUEST_ID_HEADER];
    const correlationId =
      typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    response.header(REQUEST_ID_HEADER, correlationId);
    return new Observable((subscriber) =>
      CorrelationContext.run({ correlationId }, () => next.handle().subscribe(subscriber)),
    );
  }
}
