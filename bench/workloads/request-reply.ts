import { RequestPatterns, type OrderEvents, type OrderRequests } from '@app/contracts';
import { MessageBus } from '@app/messaging';
import { closedLoop, httpLoad } from '../lib/load';
import { isPeer } from '../lib/peers';
import { CpuMeter, localBrokerPid } from '../lib/processes';
import { QUOTE_REQUEST } from '../lib/orders';
import { connectRaw, RawRpcClient } from '../raw/raw-amqp';
import { Scope } from '../lib/scope';
import {
  benchNames,
  deleteRunTopology,
  openPeerClient,
  openRabbitClient,
  serviceEnv,
  type Service,
  startConsumer,
  startPeerConsumer,
  startPeerHttp,
  startProducer,
  startRawConsumer,
  startRawHttp,
} from '../lib/services';
import type { BenchSettings } from '../lib/settings';
import { latency, type Latency } from '../lib/stats';
import type { Variant } from './event-pipeline';

/** Throughput and latency of one path at one concurrency. */
export interface RpcPoint {
  path: 'http' | 'direct';
  concurrency: number;
  perSec: number;
  latencyMs: Latency;
  errors: number;
  firstError?: string;
  /** CPU µs per request of the bench (client), front (HTTP only), server and broker. */
  cpuUsPerRequest: Record<string, number>;
}

/** One run of workload 3. */
export interface RpcRun {
  variant: Variant;
  points: RpcPoint[];
  peakRssMb: { front: number; server: number };
}

/** What the consumer's pricing answers for QUOTE_REQUEST: 2×1250 + 990, 8 % tax, shipping. */
const EXPECTED_TOTAL = 3_490 + 279 + 499;

/**
 * Workload 3: order.quote.v1 request/response, over HTTP (POST /quotes on the producer app, the
 * bare node:http server, or a peer's HTTP front) and directly from the bench (MessageBus.request
 * over RabbitClient, raw amqplib with direct reply-to, or the peer's own caller), answered by the
 * consumer app, bench/raw/raw-consumer.ts or the peer's consumer.
 */
export async function runRequestReply(settings: BenchSettings, variant: Variant): Promise<RpcRun> {
  const scope = new Scope(`rpc/${variant}`);
  try {
    const names = benchNames('rpc');
    const env = serviceEnv(settings, names);
    deleteRunTopology(scope, env, names);
    let server: Service;
    let front: Service;
    let request: () => Promise<{ total: number }>;
    if (variant === 'ours') {
      server = await startConsumer(scope, settings, env, names);
      front = await startProducer(scope, settings, env, names);
      const bus = new MessageBus<OrderEvents, OrderRequests>(await openRabbitClient(scope, env));
      request = () => bus.request(RequestPatterns.OrderQuote, QUOTE_REQUEST);
    } else if (isPeer(variant)) {
      server = await startPeerConsumer(scope, settings, env, names, variant);
      front = await startPeerHttp(scope, settings, env, variant);
      const caller = await openPeerClient(scope, settings, env, variant);
      request = () => caller.quote(QUOTE_REQUEST);
    } else {
      server = await startRawConsumer(scope, settings, env, names);
      front = await startRawHttp(scope, settings, env);
      const connection = await connectRaw(settings.brokerUrl, 'bench (raw rpc)');
      scope.defer('close the raw rpc connection', () => connection.close());
      const rpc = await RawRpcClient.create(connection);
      request = async () =>
        JSON.parse(
          (
            await rpc.request(names.exchange, RequestPatterns.OrderQuote, QUOTE_REQUEST, 5_000)
          ).toString('utf8'),
        ) as { total: number };
    }

    const { total } = await request();
    if (total !== EXPECTED_TOTAL) {
      throw new Error(`the quote's total is ${total}, expected ${EXPECTED_TOTAL}`);
    }
    const body = JSON.stringify(QUOTE_REQUEST);
    const http = (connections: number, seconds: number) =>
      httpLoad({ port: front.port, path: '/quotes', body, connections, seconds });
    const durationMs = settings.rpc.seconds * 1_000;
    // Warm-up: both paths, at the highest concurrency.
    const warmupConcurrency = Math.max(...settings.rpc.concurrency);
    await closedLoop(warmupConcurrency, 1_000, request);
    await http(warmupConcurrency, 1);

    const meter = () =>
      new CpuMeter({
        bench: process.pid,
        front: front.process.pid,
        server: server.process.pid,
        broker: localBrokerPid(settings.brokerUrl),
      }).start();
    const points: RpcPoint[] = [];
    for (const concurrency of settings.rpc.concurrency) {
      let cpu = meter();
      const viaHttp = await http(concurrency, settings.rpc.seconds);
      points.push({
        path: 'http',
        concurrency,
        perSec: viaHttp.ok / viaHttp.durationS,
        latencyMs: latency(viaHttp.latenciesMs),
        errors: viaHttp.errors + viaHttp.non2xx,
        cpuUsPerRequest: cpu.stop(viaHttp.ok),
      });
      cpu = meter();
      const direct = await closedLoop(concurrency, durationMs, request);
      // The HTTP front end idles meanwhile; leave it out.
      const cpuUsPerRequest = cpu.stop(direct.latenciesMs.length);
      delete cpuUsPerRequest.front;
      points.push({
        path: 'direct',
        concurrency,
        perSec: (direct.latenciesMs.length / direct.elapsedMs) * 1_000,
        latencyMs: latency(direct.latenciesMs),
        errors: direct.errors,
        firstError: direct.firstError,
        cpuUsPerRequest,
      });
    }
    return {
      variant,
      points,
      peakRssMb: { front: front.process.peakRssMb(), server: server.process.peakRssMb() },
    };
  } finally {
    await scope.close();
  }
}
