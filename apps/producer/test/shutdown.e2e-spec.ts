import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { EventPatterns, type OrderPlacedEvent } from '@app/contracts';
import { EventProbe, problemViolations, waitFor } from '@app/testing';
import { anOrder, TestSystem } from './support/system';

describe('Producer graceful shutdown', () => {
  let system: TestSystem;
  let probe: EventProbe;

  beforeAll(async () => {
    system = await TestSystem.start();
    probe = await EventProbe.create(system.exchange, [EventPatterns.OrderPlaced]);
  });

  afterAll(async () => {
    await probe?.close();
    await system?.close();
  });

  it('finishes the requests in flight with confirmed 202s, and publishes nothing for those it refuses (503 or no connection)', async () => {
    const requests = Array.from({ length: 200 }, () =>
      system.post('/orders', anOrder()).then(
        (r) => r,
        () => undefined,
      ),
    );
    await waitFor(() => probe.payloads(EventPatterns.OrderPlaced).length >= 20, {
      description: 'the first orders to be published',
    });

    const closing = system.producer!.close();
    const answers = await Promise.all(requests);
    await closing;
    system.producer = undefined;

    const answered = answers.filter((a) => a !== undefined);
    const accepted = answered.filter((a) => a.status === 202);
    expect(accepted.length).toBeGreaterThan(0);
    expect(answered.every((a) => a.status === 202 || a.status === 503)).toBe(true);
    // Refused while closing: a problem (and Retry-After), like every other error answer.
    const refused = answered.filter((a) => a.status === 503);
    expect(
      refused.flatMap((a) => problemViolations(a, { status: 503, type: 'service-unavailable' })),
    ).toEqual([]);
    expect(refused.every((a) => Number(a.headers.get('retry-after')) > 0)).toBe(true);
    const published = () =>
      new Set(probe.payloads<OrderPlacedEvent>(EventPatterns.OrderPlaced).map((e) => e.orderId));
    await waitFor(
      () => {
        const seen = published();
        return accepted.every((a) => seen.has(a.body.orderId as string));
      },
      { description: 'an order.placed for every 202' },
    );
    // The refused requests published nothing: every event belongs to a 202.
    expect(probe.payloads(EventPatterns.OrderPlaced)).toHaveLength(accepted.length);
    await expect(fetch(`${system.producerUrl}/health/live`)).rejects.toThrow();
  });

  // Fastify's close() closes the keep-alive sockets idle when it starts; a socket busy then stays
  // open, idle, after its answer until the 72 s keep-alive timeout, and app.close() waits for it.
  // closeConnectionsOnShutdown answers such requests with Connection: close. A node:http agent
  // keeps its sockets open as long as the server lets it (fetch's pool would close them in 4 s).
  it('ends the keep-alive connections of the requests in flight when closing, so the close does not wait for them', async () => {
    await system.stopProducer(); // the test above may have stopped it already
    await system.startProducer();
    const producer = system.producer!;
    const server = producer.getHttpServer();
    let received = 0;
    server.on('request', () => received++);
    const agent = new Agent({ keepAlive: true });
    const body = JSON.stringify(anOrder());
    const inFlight = Array.from({ length: 5 }, () => {
      const sending = request(`${system.producerUrl}/orders`, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      });
      const answer = new Promise<{ status?: number; headers: IncomingHttpHeaders }>(
        (resolve, reject) => {
          sending.on('error', reject);
          sending.on('response', (response) => {
            response.resume();
            response.on('end', () =>
              resolve({ status: response.statusCode, headers: response.headers }),
            );
          });
        },
      );
      sending.write(body.slice(0, 10));
      return { sending, answer };
    });
    try {
      await waitFor(() => received === inFlight.length, { description: 'the requests to arrive' });

      const closing = producer.close();
      system.producer = undefined;
      await waitFor(() => !server.listening, { description: 'the HTTP server to start closing' });
      for (const { sending } of inFlight) {
        sending.end(body.slice(10));
      }
      const answers = await Promise.all(inFlight.map(({ answer }) => answer));
      const answeredAt = performance.now();

      expect(answers.map((a) => [a.status, a.headers.connection])).toEqual(
        inFlight.map(() => [202, 'close']),
      );
      await expect(
        Promise.race([
          closing.then(() => performance.now() - answeredAt),
          delay(5_000).then(() => 'still waiting after 5 s'),
        ]),
      ).resolves.toBeLessThan(2_000);
    } finally {
      // Lets a close that waits for the agent's sockets end, whatever the outcome.
      agent.destroy();
    }
  });
});

describe('Producer shutdown with a client that stops reading', () => {
  let system: TestSystem;
  let socket: Socket | undefined;

  beforeAll(async () => {
    system = await TestSystem.start({ SHUTDOWN_TIMEOUT_MS: '1000' }, { consumer: false });
  });

  afterAll(async () => {
    socket?.destroy();
    await system?.close();
  });

  it('cuts the connection after SHUTDOWN_TIMEOUT_MS instead of waiting for the client forever', async () => {
    const { hostname, port } = new URL(system.producerUrl);
    socket = connect(Number(port), hostname);
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      // Read the first chunk, then stop, as a stalled client does: the response cannot finish.
      if (received === 0) {
        socket!.pause();
      }
      received += chunk.length;
    });
    const closed = new Promise<void>((resolve) => socket!.once('close', () => resolve()));
    socket.write(
      `GET /docs/swagger-ui-bundle.js HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`,
    );
    await waitFor(() => received > 0, { description: 'the response to start' });

    let done = false;
    const closing = system.producer!.close().then(() => {
      done = true;
    });
    await waitFor(() => done, {
      timeoutMs: 15_000,
      description: 'the producer to close although its client stopped reading',
    });
    await closing;
    system.producer = undefined;
    // The server cut it: the client, reading again, finds its connection closed.
    socket.resume();
    await closed;
  });
});
