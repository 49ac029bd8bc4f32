import { ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  MESSAGING_CLIENT,
  MessageValidationPipe,
  NonRetryableError,
  PayloadValidationError,
  RemoteHandlerError,
  RpcErrorPassthroughFilter,
  startRabbitMicroservice,
} from '@app/messaging';
import { waitFor } from '@app/testing';
import { TestPatterns, TestService } from './support/test-service';

/**
 * startRabbitMicroservice attaches the RabbitServer to an initialised app through Nest internals
 * (`deferInitialization` plus NestMicroservice.setIsInitHookCalled, not part of INestMicroservice),
 * so that its global pipe and filter are in place before Nest registers the handlers, and the
 * app's init hooks do not run a second time. This fails the day Nest changes either behaviour.
 */
describe(startRabbitMicroservice.name, () => {
  let service: TestService;
  let client: ClientProxy;

  beforeAll(async () => {
    service = await TestService.start({ RETRY_MAX_ATTEMPTS: '3', RETRY_INITIAL_DELAY_MS: '200' });
    client = service.app!.get<ClientProxy>(MESSAGING_CLIENT);
  });

  afterAll(async () => {
    await service?.close();
  });

  /** The first outcome of a work job reported after `index` outcomes. */
  const nextWorkOutcome = (index: number, what: string) =>
    waitFor(() => service.outcomes.slice(index).find((o) => o.pattern === TestPatterns.Work), {
      description: `${what} to be settled`,
    });

  it("leaves the app's init hooks run once", () => {
    expect(service.log.lifecycle).toEqual(['onModuleInit', 'onApplicationBootstrap']);
  });

  it(`applies ${MessageValidationPipe.name} to event handlers: an invalid payload is dead-lettered before its handler runs`, async () => {
    const before = service.outcomes.length;
    await lastValueFrom(client.emit(TestPatterns.Work, { id: 42 }), { defaultValue: undefined });

    const outcome = await nextWorkOutcome(before, 'the invalid job');
    expect(outcome.outcome).toBe('dead-lettered');
    expect(outcome.error).toBeInstanceOf(PayloadValidationError);
    expect(service.log.attempts.size).toBe(0);
  });

  it(`applies ${MessageValidationPipe.name} to request handlers: the payload is validated and stripped of unknown fields`, async () => {
    await expect(
      lastValueFrom(client.send(TestPatterns.Echo, { id: 'echo', unknown: 'dropped' })),
    ).resolves.toEqual({ id: 'echo' });
    await expect(lastValueFrom(client.send(TestPatterns.Echo, { id: 7 }))).rejects.toMatchObject({
      remoteName: 'PayloadValidationError',
      code: 'VALIDATION_FAILED',
    });
  });

  it(`applies ${RpcErrorPassthroughFilter.name} to event handlers: a NonRetryableError reaches the server and is dead-lettered at once`, async () => {
    const before = service.outcomes.length;
    await lastValueFrom(client.emit(TestPatterns.Work, { id: 'permanent', permanent: true }), {
      defaultValue: undefined,
    });

    const outcome = await nextWorkOutcome(before, 'the permanent job');
    expect(outcome.outcome).toBe('dead-lettered');
    expect(outcome.error).toBeInstanceOf(NonRetryableError);
    expect(service.log.attemptsOf('permanent')).toHaveLength(1);
  });

  it(`applies ${RpcErrorPassthroughFilter.name} to request handlers: the requester gets the handler's error`, async () => {
    const error: unknown = await lastValueFrom(
      client.send(TestPatterns.Echo, { id: 'refused', permanent: true }),
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RemoteHandlerError);
    expect(error).toMatchObject({
      remoteName: 'NonRetryableError',
      code: 'NON_RETRYABLE',
      message: expect.stringContaining('echo refused') as unknown,
    });
  });
});
