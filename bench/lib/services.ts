import { Logger } from '@nestjs/common';
import { MessagingConfig, RabbitClient } from '@app/messaging';
import { deleteTopology, freePort, metricSample, uniqueName, waitFor } from '@app/testing';
import { connectRaw } from '../raw/raw-amqp';
import { ProcessedCounter } from './counter';
import { dropSchemas, uniqueSchema } from './database';
import type { PeerCaller } from '../peers/shared/driver';
import { openPeerCaller, peerEntry, type PeerName } from './peers';
import { benchAppBuiltOn, buildBenchApp, type BenchApp } from './bench-apps';
import { BenchProcess, currentAppRoot } from './processes';
import type { Scope } from './scope';
import type { BenchSettings } from './settings';

/** Exchange and queue names of one run, unique so runs never see each other's messages. */
export interface BenchNames {
  exchange: string;
  consumerQueue: string;
  producerQueue: string;
  /** The bench's own queue bound to order.processed.v1. */
  countQueue: string;
  /** The PostgreSQL schemas of the run's consumer (all its replicas) and producer. */
  consumerSchema: string;
  producerSchema: string;
}

/** What a run gives each of our apps: its queue and schema, and the variable of its HTTP port. */
function appRun(
  app: 'consumer' | 'producer',
  names: BenchNames,
): { env: Record<string, string>; portVariable: 'CONSUMER_PORT' | 'PORT' } {
  return app === 'consumer'
    ? {
        env: { RABBITMQ_QUEUE: names.consumerQueue, DATABASE_SCHEMA: names.consumerSchema },
        portVariable: 'CONSUMER_PORT',
      }
    : {
        env: { RABBITMQ_QUEUE: names.producerQueue, DATABASE_SCHEMA: names.producerSchema },
        portVariable: 'PORT',
      };
}

export function benchNames(label: string): BenchNames {
  const base = uniqueName(`bench.${label}`);
  return {
    exchange: `${base}.events`,
    consumerQueue: `${base}.consumer`,
    producerQueue: `${base}.producer`,
    countQueue: `${base}.processed`,
    consumerSchema: uniqueSchema('consumer'),
    producerSchema: uniqueSchema('producer'),
  };
}

/** Variables of the caller's environment the services never see: the bench sets its own. */
const NOT_PASSED_ON = new Set(['REDIS_URL', 'DATABASE_SCHEMA', 'DATA_DIR']);

/**
 * The environment of the run's services: the caller's environment (so RABBITMQ_* overrides apply)
 * with the run's broker, exchange and database (each service adds its own schema). Everything else
 * keeps the production defaults: quorum queues, prefetch 50, confirms, in-memory de-duplication
 * (REDIS_URL is dropped).
 */
export function serviceEnv(settings: BenchSettings, names: BenchNames): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !NOT_PASSED_ON.has(key) && !key.startsWith('BENCH_')) {
      env[key] = value;
    }
  }
  return {
    ...env,
    // As in the image (Dockerfile): JSON logs, one line per processed order, to a file here.
    NODE_ENV: 'production',
    // One client hammering the API from one address is what a per-IP rate limit is there to
    // stop; the bench measures the work behind it, so the limit is off.
    RATE_LIMIT_MAX: '0',
    RABBITMQ_URL: settings.brokerUrl,
    RABBITMQ_EXCHANGE: names.exchange,
    // Never the embedded PGlite: one process only, and not what production runs.
    DATABASE_URL: settings.databaseUrl,
  };
}

/**
 * Deletes the run's exchange and every queue its services declared, and drops its database
 * schemas, once the services stopped.
 */
export function deleteRunTopology(scope: Scope, env: Record<string, string>, names: BenchNames) {
  scope.defer('drop the run schemas', () =>
    dropSchemas(env.DATABASE_URL, [names.consumerSchema, names.producerSchema]),
  );
  scope.defer('delete the run topology', () =>
    deleteTopology(env, [names.consumerQueue, names.producerQueue]),
  );
}

/** What every run starts with: unique names, the services' env, and the outcome counter. */
export async function prepareRun(scope: Scope, settings: BenchSettings, label: string) {
  const names = benchNames(label);
  const env = serviceEnv(settings, names);
  deleteRunTopology(scope, env, names);
  const connection = await connectRaw(settings.brokerUrl, 'bench (counter)');
  scope.defer('close the counter connection', () => connection.close());
  const counter = await ProcessedCounter.create(connection, names.exchange, names.countQueue);
  scope.defer('delete the counter queue', () => counter.delete());
  return { names, env, connection, counter };
}

/** A running service of a run. */
export interface Service {
  process: BenchProcess;
  port: number;
  env: Record<string, string>;
}

/**
 * Starts one built app (or a bench-only app of bench/apps/, built on one), stops it with the run,
 * and waits until its HTTP port answers ready.
 */
async function startNestApp(
  scope: Scope,
  settings: BenchSettings,
  app: 'producer' | 'consumer' | BenchApp,
  env: Record<string, string>,
  options: { portVariable: 'PORT' | 'CONSUMER_PORT'; name?: string; readyTimeoutMs?: number },
): Promise<Service> {
  const port = await freePort();
  const serviceEnv = { ...env, [options.portVariable]: String(port) };
  const launch = { cpuProfile: settings.cpuProfile, name: options.name };
  const child =
    app === 'producer' || app === 'consumer'
      ? BenchProcess.nestApp(app, serviceEnv, launch)
      : BenchProcess.benchApp(
          options.name ?? app,
          buildBenchApp(app, currentAppRoot()),
          serviceEnv,
          launch,
        );
  scope.defer(`stop the ${options.name ?? app}`, () => child.stop());
  await child.waitHttpReady(port, options.readyTimeoutMs);
  return { process: child, port, env: serviceEnv };
}

/** Starts `bench/raw/<name>.ts`, stops it with the run, and waits until it reports ready. */
async function startRawService(
  scope: Scope,
  settings: BenchSettings,
  name: 'raw-consumer' | 'raw-db-consumer' | 'raw-http' | 'plain-nest-http',
  env: Record<string, string>,
  port = 0,
): Promise<Service> {
  const child = BenchProcess.rawService(name, `${name}.ts`, env, {
    cpuProfile: settings.cpuProfile,
  });
  scope.defer(`stop ${name}`, () => child.stop());
  await child.waitIpcReady();
  return { process: child, port, env };
}

/** Starts the built consumer app and waits until it consumes. */
export async function startConsumer(
  scope: Scope,
  settings: BenchSettings,
  env: Record<string, string>,
  names: BenchNames,
): Promise<Service> {
  const [consumer] = await startConsumerReplicas(scope, settings, env, names, 1);
  return consumer;
}

/**
 * Starts `count` replicas of the built consumer app with the same environment (so the same exchange
 * and queues: competing consumers) except their HTTP port, and waits until every one consumes. The
 * first declares the queues alone; the others then start at once.
 */
export async function startConsumerReplicas(
  scope: Scope,
  settings: BenchSettings,
  env: Record<string, string>,
  names: BenchNames,
  count: number,
): Promise<Service[]> {
  const run = appRun('consumer', names);
  const start = (index: number) =>
    startNestApp(
      scope,
      settings,
      'consumer',
      { ...env, ...run.env },
      {
        portVariable: run.portVariable,
        // Own log and profile file names when there are several.
        name: count > 1 ? `consumer-${index + 1}` : undefined,
        // Several Nest apps starting at once on a small machine take longer than one.
        readyTimeoutMs: count > 1 ? 60_000 : undefined,
      },
    );
  const first = await start(0);
  const rest = await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 1)));
  return [first, ...rest];
}

/** Starts the built producer app (optionally through another broker URL) and waits until ready. */
export function startProducer(
  scope: Scope,
  settings: BenchSettings,
  env: Record<string, string>,
  names: BenchNames,
  brokerUrl = settings.brokerUrl,
): Promise<Service> {
  const run = appRun('producer', names);
  return startNestApp(
    scope,
    settings,
    'producer',
    { ...env, RABBITMQ_URL: brokerUrl, ...run.env },
    { portVariable: run.portVariable },
  );
}

/**
 * Starts a bench-only app of bench/apps/ (the consumer or the producer without a database: that
 * app's own handlers or controllers, MessagingModule without DatabaseModule) on the queue and port
 * variable of the app it is built on, and waits until it is ready.
 */
export function startBenchApp(
  scope: Scope,
  settings: BenchSettings,
  env: Record<string, string>,
  names: BenchNames,
  app: BenchApp,
): Promise<Service> {
  const run = appRun(benchAppBuiltOn(app), names);
  return startNestApp(
    scope,
    settings,
    app,
    { ...env, ...run.env },
    { portVariable: run.portVariable },
  );
}

/** Starts bench/raw/raw-consumer.ts: the amqplib-only consumer and quote server. */
export function startRawConsumer(
  scope: Scope,
  settings: BenchSettings,
  env: Record<string, string>,
  names: BenchNames,
): Promise<Service> {
  return startRawService(scope, settings, 'raw-consumer', {
    ...env,
    RABBITMQ_QUEUE: names.consumerQueue,
  });
}

/**
 * Starts bench/raw/raw-db-consumer.ts: the amqplib + pg consumer doing the app's transaction per
 * event, in the run's consumer schema.
 */
export function startRawDbConsumer(
  scope: Scope,
  settings: BenchSettings,
  env: Record<string, string>,
  names: BenchNames,
): Promise<Service> {
  return startRawService(scope, settings, 'raw-db-consumer', {
    ...env,
    RABBITMQ_QUEUE: names.consumerQueue,
    DATABASE_SCHEMA: names.consumerSchema,
  });
}

/** Starts bench/raw/raw-http.ts: the bare node:http + amqplib producer. */
export async function startRawHttp(
  scope: Scope,
  settings: BenchSettings,
  env: Record<string, string>,
): Promise<Service> {
  const port = await freePort();
  return startRawService(scope, settings, 'raw-http', { ...env, PORT: String(port) }, port);
}

/**
 * Starts bench/raw/plain-nest-http.ts: a plain Nest app on Express that emit()s each order straight
 * into the consumer's work queue (which the consumer app must have declared already) and answers
 * 202 without waiting for the broker.
 */
export async function startPlainNestHttp(
  scope: Scope,
  settings: BenchSettings,
  env: Record<string, string>,
  names: BenchNames,
): Promise<Service> {
  const port = await freePort();
  const serviceEnv = { ...env, RABBITMQ_QUEUE: names.consumerQueue, PORT: String(port) };
  return startRawService(scope, settings, 'plain-nest-http', serviceEnv, port);
}

/** Starts a peer's consumer (events and the quote server) on the run's queue and exchange. */
export async function startPeerConsumer(
  scope: Scope,
  settings: BenchSettings,
  env: Record<string, string>,
  names: BenchNames,
  peer: PeerName,
): Promise<Service> {
  return startPeerService(scope, settings, peer, 'consumer', {
    ...env,
    RABBITMQ_QUEUE: names.consumerQueue,
  });
}

/** Starts a peer's HTTP front (POST /orders, POST /quotes) on a free port. */
export async function startPeerHttp(
  scope: Scope,
  settings: BenchSettings,
  env: Record<string, string>,
  peer: PeerName,
): Promise<Service> {
  const port = await freePort();
  return startPeerService(scope, settings, peer, 'http', { ...env, PORT: String(port) }, port);
}

async function startPeerService(
  scope: Scope,
  settings: BenchSettings,
  peer: PeerName,
  part: 'consumer' | 'http',
  env: Record<string, string>,
  port = 0,
): Promise<Service> {
  const name = `${peer}-${part}`;
  const child = BenchProcess.peerService(name, peerEntry(peer, part), env, {
    cpuProfile: settings.cpuProfile,
  });
  scope.defer(`stop ${name}`, () => child.stop());
  await child.waitIpcReady();
  return { process: child, port, env };
}

/** The client of a peer in the bench process, on the run's exchange. */
export function openPeerClient(
  scope: Scope,
  settings: BenchSettings,
  env: Record<string, string>,
  peer: PeerName,
): Promise<PeerCaller> {
  return openPeerCaller(scope, peer, {
    url: settings.brokerUrl,
    exchange: env.RABBITMQ_EXCHANGE,
    requestTimeoutMs: Number(env.REQUEST_TIMEOUT_MS ?? 5_000),
    // As the peers' services read it (bench/peers/shared/peer-env.ts).
    noDelay: env.RABBITMQ_NO_DELAY !== '0',
  });
}

/** Our RabbitClient in the bench process, configured from the run's environment like a service. */
export async function openRabbitClient(
  scope: Scope,
  env: Record<string, string>,
): Promise<RabbitClient> {
  const client = new RabbitClient(MessagingConfig.fromEnv('bench', env).clientOptions());
  scope.defer('close the RabbitClient', () => client.close());
  await client.connect();
  await waitFor(() => client.isConnected(), { timeoutMs: 10_000, description: 'the RabbitClient' });
  return client;
}

/** Keeps the bench's own output to warnings and errors (the RabbitClient logs connects). */
export function quietNestLogs(): void {
  Logger.overrideLogger(['error', 'warn']);
}

/**
 * The V8 heap in use (MiB) as the app's Prometheus endpoint reports it (`nodejs_heap_size_used_bytes`),
 * to tell live data from garbage not yet collected; undefined when the app does not answer.
 */
export async function heapUsedMb(port: number): Promise<number | undefined> {
  try {
    return (
      (await metricSample(`http://127.0.0.1:${port}`, 'nodejs_heap_size_used_bytes')) / 2 ** 20
    );
  } catch {
    return undefined;
  }
}

/**
 * Deliveries of `pattern` the app handled with `outcome`, from its Prometheus endpoint
 * (`messaging_consumed_total`): 0 before the first, undefined when the app does not answer.
 */
export async function consumedCount(
  port: number,
  pattern: string,
  outcome = 'acked',
): Promise<number | undefined> {
  try {
    return await metricSample(`http://127.0.0.1:${port}`, 'messaging_consumed_total', {
      pattern,
      outcome,
    });
  } catch {
    return undefined;
  }
}
