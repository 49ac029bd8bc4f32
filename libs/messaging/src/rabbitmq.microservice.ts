import type { INestApplication } from '@nestjs/common';
import type { NestMicroservice } from '@nestjs/microservices';
import { MessageValidationPipe } from './message-validation.pipe';
import { RabbitServer } from './rabbitmq.server';
import { RpcErrorPassthroughFilter } from './rpc-error-passthrough.filter';

/**
 * Attaches the RabbitServer provided by MessagingModule to a Nest app, with the pipe and filter its
 * failure handling relies on, and waits until it consumes. Pipes and filters of the HTTP side are
 * not inherited, so the two keep their own error mapping.
 */
export async function startRabbitMicroservice(app: INestApplication): Promise<RabbitServer> {
  const server = app.get(RabbitServer);
  const microservice = app.connectMicroservice(
    { strategy: server },
    { deferInitialization: true },
  ) as NestMicroservice;
  // The app already ran its init hooks; the deferred registration must not run them again.
  // setIsInitHookCalled is not on INestMicroservice, and no public ordering keeps both the pipe and
  // the single init (tried: connecting before app.init(), with and without deferring);
  // libs/messaging/test/rabbit-microservice.e2e-spec.ts fails if Nest changes either behaviour.
  microservice.setIsInitHookCalled(true);
  microservice.useGlobalFilters(new RpcErrorPassthroughFilter());
  microservice.useGlobalPipes(new MessageValidationPipe());
  await app.startAllMicroservices();
  return server;
}
