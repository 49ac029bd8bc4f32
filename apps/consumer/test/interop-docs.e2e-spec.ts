import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EventPatterns, RequestPatterns } from '@app/contracts';
import {
  DOCUMENTED_BROKER,
  MessageHeaders,
  MessagingConfig,
  queueDeclarations,
} from '@app/messaging';
import { AMQP_TOOLS, brokerUrl, connectBroker, describeWithTools, waitFor } from '@app/testing';
import { ConsumerUnderTest } from './interop/consumer-under-test';

// #14 point 3: docs/talking-to-the-services.md works as written. Its snippets are the files the
// interop tests run, its queue declarations are the ones the services make, its error example is
// what the consumer answers, and its amqp-tools lines place an order that is processed.

const ROOT = resolve(__dirname, '..', '..', '..');
const DOC_PATH = join(ROOT, 'docs', 'talking-to-the-services.md');
const doc = readFileSync(DOC_PATH, 'utf8');

/** The fenced block right after `<!-- marker… -->` (the marker's text up to its first space or -->). */
function blockAfter(marker: string): string {
  const at = doc.indexOf(`<!-- ${marker}`);
  if (at < 0) {
    throw new Error(`docs/talking-to-the-services.md has no <!-- ${marker} --> marker`);
  }
  const fence = /```[a-z]*\n([\s\S]*?)\n```/.exec(doc.slice(at));
  if (!fence) {
    throw new Error(`no code block after <!-- ${marker} -->`);
  }
  return fence[1];
}

describe('docs/talking-to-the-services.md', () => {
  let consumer: ConsumerUnderTest;

  beforeAll(async () => {
    consumer = await ConsumerUnderTest.start('doc');
  });

  afterAll(async () => {
    await consumer?.close();
  });

  const snippets = [...doc.matchAll(/<!-- snippet: (\S+) -->/g)].map(([, path]) => path);

  it('shows the Nest options and both pika scripts', () => {
    expect(snippets.sort()).toEqual([
      'apps/consumer/test/interop/nest-client-options.ts',
      'apps/consumer/test/interop/publish_order.py',
      'apps/consumer/test/interop/quote.py',
    ]);
  });

  it.each(snippets)('shows %s exactly as the tests run it', (path) => {
    expect(blockAfter(`snippet: ${path}`)).toBe(readFileSync(join(ROOT, path), 'utf8').trimEnd());
  });

  it("lists the consumer's queues with the exact arguments and bindings it declares", () => {
    // The patterns the running consumer handles, so a new handler shows up here.
    const events: string[] = [];
    const requests: string[] = [];
    for (const [pattern, handler] of consumer.server!.getHandlers()) {
      (handler.isEventHandler ? events : requests).push(pattern);
    }
    expect([...events, ...requests].sort()).toEqual(
      [EventPatterns.OrderPlaced, EventPatterns.OrderCancelled, RequestPatterns.OrderQuote].sort(),
    );
    const defaults = MessagingConfig.fromEnv('consumer', {}).serverOptions();
    const declared = Object.fromEntries(
      queueDeclarations(defaults, { events, requests }, DOCUMENTED_BROKER).map((queue) => [
        queue.name,
        { ...queue.options, bindings: [...queue.bindings].sort() },
      ]),
    );

    const documented = JSON.parse(blockAfter('queue-declarations')) as Record<
      string,
      { bindings: string[] }
    >;
    for (const queue of Object.values(documented)) {
      queue.bindings.sort();
    }
    expect(documented).toEqual(declared);
  });

  it('gives the error a bare quote request gets, as the consumer sends it', async () => {
    const connection = await connectBroker();
    try {
      const channel = await connection.createChannel();
      const correlationId = randomUUID();
      let reply: { body: unknown; headers: Record<string, unknown> } | undefined;
      await channel.consume(
        'amq.rabbitmq.reply-to',
        (msg) => {
          if (msg?.properties.correlationId === correlationId) {
            reply = {
              body: JSON.parse(msg.content.toString()) as unknown,
              headers: msg.properties.headers ?? {},
            };
          }
        },
        { noAck: true },
      );
      channel.publish(
        consumer.exchange,
        RequestPatterns.OrderQuote,
        Buffer.from(
          JSON.stringify({
            items: [{ sku: 'BOOK-1', quantity: 1, unitPrice: 100 }],
            currency: 'USD',
            couponCode: 'BOGUS',
          }),
        ),
        { replyTo: 'amq.rabbitmq.reply-to', correlationId, contentType: 'application/json' },
      );

      const { body, headers } = await waitFor(() => reply, {
        description: 'the reply to the bare quote',
      });

      const documented = JSON.parse(blockAfter('example: bare quote error')) as {
        error: { name: string; code: string; message: string };
      };
      expect(body).toEqual(documented);
      expect(headers).toMatchObject({
        [MessageHeaders.ErrorName]: documented.error.name,
        [MessageHeaders.ErrorCode]: documented.error.code,
        [MessageHeaders.ErrorMessage]: documented.error.message,
      });
    } finally {
      await connection.close();
    }
  });

  describeWithTools([AMQP_TOOLS], 'its amqp-tools lines, run as written', () => {
    const lines = blockAfter('runnable: amqp-tools')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    const consumeLine = lines.find((line) => line.startsWith('amqp-consume '));
    const publishLine = lines.find((line) => line.startsWith('amqp-publish '));

    it('place an order that the consumer processes, and print its outcome', async () => {
      expect(lines).toEqual([consumeLine, publishLine]);
      // The one orderId in the documented body.
      const orderId = /"orderId":"([0-9a-f-]{36})"/.exec(publishLine!)![1];
      const env = {
        ...process.env,
        RABBITMQ_URL: brokerUrl(),
        RABBITMQ_EXCHANGE: consumer.exchange,
      };

      const watcher = spawn('bash', ['-c', consumeLine!], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      watcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      watcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((done) => watcher.on('exit', done));
      try {
        // amqp-consume says so once it declared its queue; it binds right after.
        await waitFor(() => output.includes('queue name'), {
          description: 'amqp-consume to declare its queue',
        });
        // The publish is repeated only if it raced the bind (the watcher then saw nothing yet).
        await waitFor(
          () => {
            if (output.includes(orderId)) {
              return true;
            }
            const published = spawnSync('bash', ['-c', publishLine!], { env, timeout: 10_000 });
            expect({ status: published.status, stderr: published.stderr.toString() }).toEqual({
              status: 0,
              stderr: '',
            });
            return output.includes(orderId);
          },
          { timeoutMs: 15_000, intervalMs: 250, description: 'the order outcome printed' },
        );
        expect(await exited).toBe(0);
      } finally {
        watcher.kill();
      }

      const printed = JSON.parse(output.slice(output.indexOf('{'))) as {
        pattern: string;
        data: { orderId: string; outcome: string };
      };
      expect(printed).toMatchObject({
        pattern: EventPatterns.OrderProcessed,
        data: { orderId, outcome: 'accepted' },
      });
      expect(
        consumer.outcomes.some(
          (o) => o.pattern === EventPatterns.OrderPlaced && o.outcome === 'acked',
        ),
      ).toBe(true);
    });
  });
});
