import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import { CorrelationContext } from '../../correlation/correlation-context';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id';

/**
 * Makes the request id (the caller's `X-Request-Id`, or a generated one; see {@link requestIdOf})
 * the correlationId of every message published while handling the request, and returns it in the
 * response.
 */
@Injectable()
export class CorrelationIdInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<Parameters<typeof requestIdOf>[0]>();
    const response = http.getResponse<{ header(name: string, value: string): unknown }>();
    const correlationId = requestIdOf(request);
    response.header(REQUEST_ID_HEADER, correlationId);
    return new Observable((subscriber) =>
      CorrelationContext.run({ correlationId }, () => next.handle().subscribe(subscriber)),
    );
  }
}
