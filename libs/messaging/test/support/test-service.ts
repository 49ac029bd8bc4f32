import {
  Controller,
  Injectable,
  Module,
  type INestApplication,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { context, trace } from '@opentelemetry/api';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload, RmqContext } from '@nestjs/microservices';
import type { Channel } from 'amqplib';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import {
  MessageBus,
  MessagingConfig,
  MessagingModule,
  NonRetryableError,
  RabbitServer,
  startRabbitMicroservice,
  type ConsumeListener,
} from '@app/messaging';
import { deleteTopology, isolatedBrokerEnv, uniqueName } from '@app/testing';

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

  /** On this attempt, make the broker close the handler's channel (a channel error), then go on. */
  @IsOptional()
  @IsInt()
  @Min(1)
  breakChannelOnAttempt?: number;

  /** Wait until the test calls `HandlerLog.release(id)` before going on. */
  @IsOptional()
  @IsBoolean()
  waitForRelease?: boolean;
}

/** What the handler saw: every attempt with its time, and the completed runs. */
export class HandlerLog {
  readonly attempts = new Map<string, number[]>();
  readonly completed: string[] = [];
  /** The trace id active in the handler, per job: shows whether the publisher's trace continued. */
  readonly traceIds = new Map<string, string | undefined>();
  inFlight = 0;
  /** The app's lifecycle hooks as they ran, in order: each should run once per start. */
  readonly lifecycle: string[] = [];
  private readonly releases = new Map<string, { promise: Promise<void>; resolve: () => void }>();

  attemptsOf(id: string): number[] {
    return this.attempts.get(id) ?? [];
  }

  /** Lets a job that waits for release go on. */
  release(id: string): void {
    this.gate(id).resolve();
  }

  waitForRelease(id: string): Promise<void> {
    return this.gate(id).promise;
  }

  private gate(id: string): { promise: Promise<void>; resolve: () => void } {
    let gate = this.releases.get(id);
    if (!gate) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      gate = { promise, resolve };
      this.releases.set(id, gate);
    }
    return gate;
  }
}

/** Records the app's init hooks, so a test sees them run once even with the microservice attached. */
@Injectable()
class LifecycleProbe implements OnModuleInit, OnApplicationBootstrap {
  constructor(private readonly log: HandlerLog) {}

  onModuleInit(): void {
    this.log.lifecycle.push('onModuleInit');
  }

  onApplicationBootstrap(): void {
    this.log.lifecycle.push('onApplicationBootstrap');
  }
}

@Controller()
class TestHandlers {
  constructor(private readonly log: HandlerLog) {}

  @EventPattern(TestPatterns.Work)
  async work(@Payload() job: WorkPayload, @Ctx() rmq: unknown): Promise<void> {
    this.log.traceIds.set(job.id, trace.getSpanContext(context.active())?.traceId);
    const attempts = [...this.log.attemptsOf(job.id), Date.now()];
    this.log.attempts.set(job.id, attempts);
    this.log.inFlight++;
    try {
      if (job.breakChannelOnAttempt === attempts.length) {
        // Declaring nothing passively on a queue that does not exist: the broker closes the channel.
        const channel = (rmq as RmqContext).getChannelRef() as Channel;
        await channel.checkQueue(`missing.${Date.now()}`).catch(() => undefined);
      }
      if (job.waitForRelease) {
        await this.log.waitForRelease(job.id);
      }
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
    const config = MessagingConfig.fromEnv('lib-test', { ...this.env, RABBITMQ_QUEUE: this.queue });
    @Module({
      imports: [MessagingModule.forRoot({ config, consume: true })],
      controllers: [TestHandlers],
      providers: [{ provide: HandlerLog, useValue: log }, LifecycleProbe],
    })
    class TestModule {}

    this.app = await NestFactory.create(TestModule, new FastifyAdapter(), { logger: ['error'] });
    await this.app.init();
    this.server = await startRabbitMicroservice(this.app);
    this.server.onConsume((event) => this.outcomes.push(event));
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
