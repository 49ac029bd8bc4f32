// The bare node:http counterpart of the producer, run as a child process by the bench:
// POST /orders publishes order.placed.v1 with a confirm (persistent, mandatory) and answers 202
// once confirmed, with no validation; POST /quotes asks order.quote.v1 over direct reply-to.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connectRaw, RawPublisher, RawRpcClient } from './raw-amqp';
import { runService } from './raw-service';

const env = process.env;
const url = (env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672').split(',')[0];
const exchange = env.RABBITMQ_EXCHANGE ?? 'events';
const port = Number(env.PORT ?? 3000);
const requestTimeoutMs = Number(env.REQUEST_TIMEOUT_MS ?? 5_000);

interface PlaceOrder {
  customerId: string;
  items: unknown[];
  currency: string;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function main(): Promise<() => Promise<unknown>> {
  const connection = await connectRaw(url, 'raw-http');
  const publisher = await RawPublisher.create(connection);
  const rpc = await RawRpcClient.create(connection);

  const placeOrder = async (body: PlaceOrder): Promise<{ orderId: string }> => {
    const orderId = randomUUID();
    const event = {
      pattern: 'order.placed.v1',
      data: {
        orderId,
        customerId: body.customerId,
        items: body.items,
        currency: body.currency,
        placedAt: new Date().toISOString(),
      },
    };
    await publisher.publish(
      exchange,
      'order.placed.v1',
      Buffer.from(JSON.stringify(event)),
      orderId,
    );
    return { orderId };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = req.method === 'POST' ? await readBody(req) : '';
    if (req.method === 'GET' && req.url === '/health/ready') {
      send(res, 200, { status: 'ok' });
      return;
    }
    if (req.method !== 'POST' || (req.url !== '/orders' && req.url !== '/quotes')) {
      send(res, 404, { message: 'not found' });
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      send(res, 400, { message: 'invalid JSON' });
      return;
    }
    try {
      if (req.url === '/orders') {
        send(res, 202, await placeOrder(parsed as PlaceOrder));
      } else {
        const reply = await rpc.request(exchange, 'order.quote.v1', parsed, requestTimeoutMs);
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(reply);
      }
    } catch (error) {
      send(res, 503, { message: String(error) });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  return () => {
    server.close();
    server.closeAllConnections();
    return connection.close();
  };
}

runService(main);
