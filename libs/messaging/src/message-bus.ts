import { Inject, Injectable, Optional } from '@nestjs/common';
import { ClientProxy, RmqRecord } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { MESSAGING_CLIENT } from './messaging.constants';
import { Outbox } from './outbox/outbox';
import { RabbitClient, type PublishOptions } from './rabbitmq.client';

/** A map from request pattern to its request and reply types. */
export type RequestMap = Record<string, { request: object; reply: object }>;

/**
 * A typed face of the Nest `ClientProxy`: the pattern decides the payload type, so publishing the
 * wrong payload fails to compile, and every call returns a Promise that settles with the broker's
 * answer instead of a hot Observable whose errors could go unobserved. Inside a database
 * transaction (`Database.transaction`, a transactional handler), `publish` writes to the outbox
 * instead: the event leaves with the commit, or not at all.
 */
@Injectable()
export class MessageBus<
  TEvents extends object = object,
  TRequests extends RequestMap = RequestMap,
> {
  constructor(
    @Inject(MESSAGING_CLIENT) private readonly client: ClientProxy,
    @Optional() @Inject(Outbox) private readonly outbox?: Outbox | null,
  ) {}

  /**
   * Resolves once the broker has the event in at least one queue; inside a transaction, once the
   * event is in the outbox (the relay publishes it after the commit).
   */
  async publish<P extends keyof TEvents & string>(
    pattern: P,
    payload: TEvents[P],
    options?: PublishOptions,
  ): Promise<void> {
    if (this.outbox?.inTransaction() && this.client instanceof RabbitClient) {
      await this.outbox.append(this.client.prepare(pattern, payload, options));
      return;
    }
    const data = options ? new RmqRecord(payload, options) : payload;
    await lastValueFrom(this.client.emit(pattern, data), { defaultValue: undefined });
  }

  /** Resolves with the reply, or rejects with a timeout, an unavailable broker or the remote error. */
  request<P extends keyof TRequests & string>(
    pattern: P,
    payload: TRequests[P]['request'],
  ): Promise<TRequests[P]['reply']> {
    return lastValueFrom(this.client.send<TRequests[P]['reply']>(pattern, payload));
  }
}
