// The raw amqplib + pg counterpart of the consumer app with its database, run as a child process by
// the bench (workload 1a): per order.placed.v1, one transaction with the inbox insert (a messageId
// seen before is acked and skipped), the order's row (one upsert) and the outbox row of its
// order.processed.v1; after the commit, the follow-up is published with a confirm, the delivery
// acked, and the outbox row marked sent. Same prefetch, queue type and pool size as the app.
// What a hand-rolled service would do; no relay for rows a crash left unsent, no retries, no DLQ.
import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import { Client, Pool } from 'pg';
import { connectRaw, RawPublisher } from './raw-amqp';
import { price, type RawItem } from './raw-pricing';
import { runService } from './raw-service';

const env = process.env;
const url = (env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672').split(',')[0];
const exchange = env.RABBITMQ_EXCHANGE ?? 'events';
const queue = env.RABBITMQ_QUEUE ?? 'raw-db-consumer';
const queueType = env.RABBITMQ_QUEUE_TYPE ?? 'quorum';
const prefetch = Number(env.RABBITMQ_PREFETCH ?? 50);
const databaseUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = env.DATABASE_SCHEMA ?? 'raw_consumer';
const poolSize = Number(env.DATABASE_POOL_SIZE ?? 10);

/** The tables of the consumer app (messaging_inbox, orders, messaging_outbox), without extras. */
const TABLES = `
  create table if not exists messaging_inbox (
    message_id text primary key,
    received_at timestamptz not null default now());
  create table if not exists orders (
    order_id uuid primary key,
    status text not null,
    customer_id text,
    currency text,
    total integer,
    reason text,
    processed_at timestamptz,
    updated_at timestamptz not null default now());
  create table if not exists messaging_outbox (
    id bigserial primary key,
    message_id text not null unique,
    exchange text not null,
    routing_key text not null,
    content bytea not null,
    properties jsonb not null,
    created_at timestamptz not null default now(),
    sent_at timestamptz);`;

interface PlacedEvent {
  data: { orderId: string; customerId: string; items: RawItem[]; currency: string };
}

/** An ack on a closed channel throws; the broker redelivers then, which is fine here. */
function safely(operation: () => void): void {
  try {
    operation();
  } catch {
    // ignored
  }
}

async function main(): Promise<() => Promise<unknown>> {
  const quoted = `"${schema.replace(/"/g, '""')}"`;
  const setup = new Client({ connectionString: databaseUrl });
  await setup.connect();
  await setup.query(`create schema if not exists ${quoted}; set search_path to ${quoted};`);
  await setup.query(TABLES);
  await setup.end();
  const pool = new Pool({
    connectionString: databaseUrl,
    max: poolSize,
    options: `-c search_path=${quoted}`,
  });
  pool.on('error', () => undefined);

  const connection = await connectRaw(url, 'raw-db-consumer');
  const channel = await connection.createChannel();
  const publisher = await RawPublisher.create(connection);
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': queueType } });
  await channel.bindQueue(queue, exchange, 'order.placed.v1');
  await channel.prefetch(prefetch);

  /** The transaction; resolves with the outbox row to publish, or undefined for a duplicate. */
  const record = async (messageId: string, event: PlacedEvent['data']) => {
    const { total } = price(event.items, event.currency);
    const processedAt = new Date();
    const followUp = {
      id: randomUUID(),
      content: Buffer.from(
        JSON.stringify({
          pattern: 'order.processed.v1',
          data: {
            orderId: event.orderId,
            outcome: 'accepted',
            total,
            currency: event.currency,
            processedAt: processedAt.toISOString(),
          },
        }),
      ),
    };
    const client = await pool.connect();
    try {
      await client.query('begin');
      const inbox = await client.query(
        'insert into messaging_inbox (message_id) values ($1) on conflict do nothing',
        [messageId],
      );
      if (inbox.rowCount !== 1) {
        await client.query('commit');
        return undefined;
      }
      await client.query(
        `insert into orders (order_id, status, customer_id, currency, total, processed_at)
         values ($1, 'accepted', $2, $3, $4, $5)
         on conflict (order_id) do update set status = excluded.status,
           customer_id = excluded.customer_id, currency = excluded.currency,
           total = excluded.total, processed_at = excluded.processed_at, updated_at = now()`,
        [event.orderId, event.customerId, event.currency, total, processedAt],
      );
      const outbox = await client.query<{ id: string }>(
        `insert into messaging_outbox (message_id, exchange, routing_key, content, properties)
         values ($1, $2, 'order.processed.v1', $3, $4) returning id`,
        [
          followUp.id,
          exchange,
          followUp.content,
          JSON.stringify({ persistent: true, messageId: followUp.id }),
        ],
      );
      await client.query('commit');
      return { ...followUp, row: outbox.rows[0].id };
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };

  const onEvent = (msg: ConsumeMessage | null): void => {
    if (!msg) {
      return;
    }
    let event: PlacedEvent;
    try {
      event = JSON.parse(msg.content.toString('utf8')) as PlacedEvent;
    } catch {
      channel.nack(msg, false, false);
      return;
    }
    const messageId = String(msg.properties.messageId ?? event.data.orderId);
    record(messageId, event.data)
      .then(async (followUp) => {
        if (followUp) {
          await publisher.publish(exchange, 'order.processed.v1', followUp.content, followUp.id);
        }
        return followUp;
      })
      .then(
        (followUp) => {
          safely(() => channel.ack(msg));
          if (followUp) {
            // A row left unsent here would wait for a relay this baseline does not have.
            pool
              .query('update messaging_outbox set sent_at = now() where id = $1', [followUp.row])
              .catch(() => undefined);
          }
        },
        () => safely(() => channel.nack(msg, false, true)),
      );
  };

  await channel.consume(queue, onEvent, { noAck: false });

  return async () => {
    await connection.close();
    await pool.end();
  };
}

runService(main);
