import { Inject, Injectable } from '@nestjs/common';
import { MESSAGING_OPTIONS, type MessagingModuleOptions } from './messaging.module-definition';
import { RabbitClient } from './rabbitmq.client';
import { RabbitServer } from './rabbitmq.server';

/** A dependency's state for readiness (the shape `@app/platform/http`'s health check asks for). */
export interface MessagingReadinessState {
  up: boolean;
  reason?: string;
}

/**
 * Readiness of the messaging layer: the publisher's broker connection, and, in a consuming service,
 * whether its consumers take deliveries (and if not, why: not connected, paused for a dependency, a
 * consumer cancelled by the broker, shutting down).
 */
@Injectable()
export class MessagingReadiness {
  constructor(
    private readonly client: RabbitClient,
    private readonly server: RabbitServer,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
  ) {}

  readiness(): Record<string, MessagingReadinessState> {
    const broker = this.client.isConnected()
      ? { up: true }
      : { up: false, reason: 'not connected to RabbitMQ' };
    if (!this.options.consume) {
      return { broker };
    }
    const { consuming, reason } = this.server.consumerStatus();
    return { broker, consumer: consuming ? { up: true } : { up: false, reason } };
  }
}
