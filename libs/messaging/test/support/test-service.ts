import { Controller, Module, type INestApplication } from '@nestjs/common';
import { context, trace } from '@opentelemetry/api';
import { NestFactory } from '@nestjs/core';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import {
  MessageBus,
  MessagingModule,
  NonRetryableError,
  RabbitServer,
  startRabbitMicroservice,
  type ConsumeListener,
} from '@app/messaging';
import { deleteTopology, isolatedBrokerEnv, uniqueName, withEnv } from '@app/testing';

/** Routing keys of the test service. */
export const TestPatterns = { Work: 'test.work.v1', Echo: 'test.echo.v1' } as const;

/** A job whose payload scripts how the handler behaves. */
export class WorkPayload {
  @IsString()
  id!: string;

  /** Throw a transient error on the first `failTimes` attempts. */
  @IsOptional()
  @IsInt()
  @Min(0)
  failTimes?: number;

  /** Throw a NonRetryableError. */
  @IsOptional()
  @IsBoolean()
  permanent?: boolean;

  /** Take this long. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(60_000)
  delayMs?: number;
}

/** What the handler saw: every attempt with its time, and the completed runs. */
export class HandlerLog {
  readonly attempts = new Map<string, number[]>();
  readonly completed: string[] = [];
  /** The trace id active in the handler, per job: shows whether the publisher's trace continued. */
  readonly traceIds = new Map<string, string | undefined>();
  inFlight = 0;

  attemptsOf(id: string): number[] {
    return this.attempts.get(id) ?? [];
  }
}

@Controller()
class TestHandlers {
  constructor(private readonly log: HandlerLog) {}

  @EventPattern(TestPatterns.Work)
  async work(@Payload() job: WorkPayload): Promise<void> {
    this.log.traceIds.set(job.id, trace.getSpanContext(context.active())?.traceId);
    const attempts = [...this.log.attemptsOf(job.id), Date.now()];
    this.log.attempts.set(job.id, attempts);
    this.log.inFlight++;
    try {
      if (job.delayMs) {
        await new Promise((resolve) => setTimeout(resolve, job.delayMs));
      }
      if (job.permanent) {
        throw new NonRetryableError(`job ${job.id} can never succeed`);
      }
      if (attempts.length <= (job.failTimes ?? 0)) {
        throw new Error(`job ${job.id} failed on attempt ${attempts.length}`);
      }
      this.log.completed.push(job.id);
    } finally {
      this.log.inFlight--;
    }
  }

  @MessagePattern(TestPatterns.Echo)
  echo(@Payload() job: WorkPayload): WorkPayload {
    if (job.permanent) {
      throw new NonRetryableError('echo refused');
    }
    return job;
  }
}

/** A minimal service on the messaging library, with handlers whose behaviour the payload scripts. */
export class TestService {
  readonly log = new HandlerLog();
  readonly outcomes: Parameters<ConsumeListener>[0][] = [];
  readonly queue = uniqueName('lib');
  app?: INestApplication;
  server?: RabbitServer;

  constructor(readonly env: Record<string, string>) {}

  static async start(overrides: Record<string, string> = {}): Promise<TestService> {
    const service = new TestService({ ...isolatedBrokerEnv('lib'), ...overrides });
    await service.startApp();
    return service;
  }

  get exchange(): string {
    return this.env.RABBITMQ_EXCHANGE;
  }

  get bus(): MessageBus<{ [TestPatterns.Work]: WorkPayload }> {
    return this.app!.get(MessageBus);
  }

  /** Starts (or restarts) the app; the handler log survives restarts. */
  async startApp(): Promise<void> {
    const log = this.log;
    @Module({
      imports: [MessagingModule.forRoot({ serviceName: 'lib-test', consume: true })],
      controllers: [TestHandlers],
      providers: [{ provide: HandlerLog, useValue: log }],
    })
    class TestModule {}

    await withEnv({ ...this.env, RABBITMQ_QUEUE: this.queue }, async () => {
      this.app = await NestFactory.create(TestModule, new FastifyAdapter(), { logger: ['error'] });
      await this.app.init();
      this.server = await startRabbitMicroservice(this.app);
      this.server.onConsume((event) => this.outcomes.push(event));
    });
  }

  async stopApp(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }

  async close(): Promise<void> {
    await this.stopApp();
    await deleteTopology(this.env, [this.queue]);
  }
}
