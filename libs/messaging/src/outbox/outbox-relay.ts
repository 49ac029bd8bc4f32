import { setTimeout as delay } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { sql } from 'kysely';
import type { Database } from '@app/persistence';
import type { MessagingMetrics } from '../messaging.metrics';
import type { PreparedMessage, RabbitClient } from '../rabbitmq.client';
import type { Outbox } from './outbox';
import type { MessagingTables } from './outbox.tables';

/** How the relay works through the outbox and how long rows are kept. */
export interface OutboxRelaySettings {
  /** Rows claimed and published per transaction. */
  batchSize: number;
  /** The safety net: the relay looks at the table this often even without a local commit (rows of a process that died). */
  pollIntervalMs: number;
  /** Sent outbox rows are deleted after this long. */
  outboxRetentionMs: number;
  /** Inbox rows (handled messageIds) are deleted after this long: the de-duplication window. */
  inboxRetentionMs: number;
  /** How often retention runs. */
  retentionIntervalMs: number;
  /**
   * The longest the final flush on shutdown may take: rows committed just before the stop (the
   * last 202s) go out now rather than at the next start, without holding a shutdown hostage to a
   * broker that is away.
   */
  finalFlushMs: number;
}

/** Rows deleted per retention statement: short transactions, however far behind it is. */
const RETENTION_BATCH = 1_000;
/** Back-off after a failed pass (broker or database away): first and longest wait. */
const BACKOFF = { initialMs: 500, maxMs: 15_000 };

/**
 * Publishes committed outbox rows: woken after a local commit, and by a slow poll (which finds the
 * rows of a process that died between its commit and its relay's pass). Each pass claims the oldest unsent rows with `FOR UPDATE SKIP LOCKED` (so several
 * relays — replicas — share the table without sending a row twice at once), publishes them in
 * order through the RabbitClient (persistent, mandatory, confirmed, their stored messageId), and
 * marks the confirmed ones sent in the same transaction. A row whose publish fails stays unsent and
 * is tried again with back-off; a crash after the publish and before the commit publishes it again
 * (same messageId, so consumers drop the copy). Retention deletes sent rows and old inbox rows in
 * batches, so both tables stay bounded.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private running = false;
  private stopped = false;
  private pending = false;
  private backoffMs = 0;
  private timer?: NodeJS.Timeout;
  private retentionTimer?: NodeJS.Timeout;
  private pass?: Promise<unknown>;
  private stopping?: Promise<void>;
  private lagRefreshedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly database: Database,
    private readonly outbox: Outbox,
    private readonly client: RabbitClient,
    private readonly settings: OutboxRelaySettings,
    private readonly metrics?: MessagingMetrics,
  ) {}

  /** Starts relaying: after each local commit, on a poll, and runs retention. */
  start(): Promise<void> {
    this.stopped = false;
    this.stopping = undefined;
    this.outbox.onCommitted(() => this.wake());
    this.schedulePoll(0);
    this.retentionTimer = setInterval(
      () => void this.retain().catch(() => undefined),
      this.settings.retentionIntervalMs,
    );
    this.retentionTimer.unref();
    return Promise.resolve();
  }

  /**
   * Stops after the pass in progress and a final flush bounded by `finalFlushMs`; rows still unsent
   * then (broker away, or a long backlog) wait for the next start or another replica's relay.
   * Called by both the client's and the database's close, whichever comes first: once.
   */
  stop(): Promise<void> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  private async finish(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.retentionTimer);
    await this.pass?.catch(() => undefined);
    await this.flush();
  }

  private async flush(): Promise<void> {
    const deadline = performance.now() + this.settings.finalFlushMs;
    const timedOut = Symbol('timed out');
    try {
      while (performance.now() < deadline) {
        const pass = this.relayBatch();
        this.pass = pass;
        const left = Math.max(deadline - performance.now(), 0);
        const claimed = await Promise.race([pass, delay(left, timedOut, { ref: false })]);
        if (claimed === timedOut) {
          // The pass goes on (its rows stay locked until it ends); the database waits for it.
          this.logger.warn(
            `Outbox flush on shutdown did not finish within ${this.settings.finalFlushMs} ms`,
          );
          return;
        }
        if (claimed < this.settings.batchSize) {
          return;
        }
      }
    } catch (error) {
      this.logger.warn(
        `Outbox flush on shutdown failed (${error instanceof Error ? error.message : String(error)}); ` +
          'the unsent rows go out at the next start or from another replica',
      );
    }
  }

  /** Something was committed: look at the outbox now (unless backing off after a failure). */
  wake(): void {
    if (this.stopped) {
      return;
    }
    if (this.running) {
      this.pending = true;
      return;
    }
    if (this.backoffMs === 0) {
      this.schedulePoll(0);
    }
  }

  /** Runs passes until the outbox is empty (or a pass fails), then waits for the next wake-up. */
  private schedulePoll(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.drain(), delayMs);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    if (this.running || this.stopped) {
      return;
    }
    this.running = true;
    let next = this.settings.pollIntervalMs;
    try {
      for (;;) {
        this.pending = false;
        const pass = this.relayBatch();
        this.pass = pass;
        const full = (await pass) === this.settings.batchSize;
        this.backoffMs = 0;
        if (!(full || this.pending) || this.stopped) {
          break;
        }
      }
    } catch (error) {
      this.backoffMs = Math.min(Math.max(this.backoffMs * 2, BACKOFF.initialMs), BACKOFF.maxMs);
      next = this.backoffMs;
      this.logger.warn(
        `Outbox relay pass failed (${error instanceof Error ? error.message : String(error)}); ` +
          `trying again in ${next} ms`,
      );
    } finally {
      this.running = false;
      // A gauge scraped every few seconds: refreshed at most once a poll interval, not after every
      // pass, which under load would add a query per order.
      if (performance.now() - this.lagRefreshedAt >= this.settings.pollIntervalMs) {
        this.lagRefreshedAt = performance.now();
        await this.refreshLag().catch(() => undefined);
      }
      if (!this.stopped) {
        this.schedulePoll(next);
      }
    }
  }

  /** One transaction: claim, publish, mark. Resolves with the rows claimed; rejects on a failure. */
  private async relayBatch(): Promise<number> {
    let failure: unknown;
    const claimed = await this.database.transaction(async () => {
      const db = this.database.db<MessagingTables>();
      const rows = await db
        .selectFrom('messaging_outbox')
        .select(['id', 'message_id', 'exchange', 'routing_key', 'content', 'properties'])
        .where('sent_at', 'is', null)
        .orderBy('id')
        .limit(this.settings.batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) {
        return 0;
      }
      // Published back to back on one channel (in id order), confirmed together.
      const results = await Promise.allSettled(
        rows.map((row) => this.client.publishPrepared(toMessage(row))),
      );
      const sent = rows
        .filter((_, index) => results[index].status === 'fulfilled')
        .map((r) => r.id);
      const failed = rows.filter((_, index) => results[index].status === 'rejected');
      if (sent.length > 0) {
        await db
          .updateTable('messaging_outbox')
          .set({ sent_at: new Date() })
          .where('id', 'in', sent)
          .execute();
      }
      if (failed.length > 0) {
        const reason = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult)
          .reason as unknown;
        failure = reason;
        await db
          .updateTable('messaging_outbox')
          .set((eb) => ({
            attempts: eb('attempts', '+', 1),
            last_error: String(reason instanceof Error ? reason.message : reason).slice(0, 1_000),
          }))
          .where(
            'id',
            'in',
            failed.map((row) => row.id),
          )
          .execute();
      }
      return rows.length;
    });
    if (failure !== undefined) {
      throw failure instanceof Error ? failure : new Error('A relayed publish failed');
    }
    return claimed;
  }

  /** Deletes sent outbox rows and old inbox rows past their windows, a batch at a time. */
  async retain(): Promise<{ outbox: number; inbox: number }> {
    const now = Date.now();
    const deleted = { outbox: 0, inbox: 0 };
    const sentBefore = new Date(now - this.settings.outboxRetentionMs);
    const receivedBefore = new Date(now - this.settings.inboxRetentionMs);
    for (;;) {
      const result = await this.database.run((db) =>
        sql<{ count: number }>`
          with gone as (
            delete from messaging_outbox where id in (
              select id from messaging_outbox
              where sent_at is not null and sent_at < ${sentBefore}
              limit ${RETENTION_BATCH}
            ) returning 1
          ) select count(*)::int as count from gone`.execute(db),
      );
      const count = result.rows[0]?.count ?? 0;
      deleted.outbox += count;
      if (count < RETENTION_BATCH) {
        break;
      }
    }
    for (;;) {
      const result = await this.database.run((db) =>
        sql<{ count: number }>`
          with gone as (
            delete from messaging_inbox where message_id in (
              select message_id from messaging_inbox
              where received_at < ${receivedBefore}
              limit ${RETENTION_BATCH}
            ) returning 1
          ) select count(*)::int as count from gone`.execute(db),
      );
      const count = result.rows[0]?.count ?? 0;
      deleted.inbox += count;
      if (count < RETENTION_BATCH) {
        break;
      }
    }
    return deleted;
  }

  /** Updates the outbox lag gauges: unsent rows and the age of the oldest. */
  private async refreshLag(): Promise<void> {
    if (!this.metrics) {
      return;
    }
    const result = await this.database.run((db) =>
      sql<{ pending: number; oldest: Date | null }>`
        select count(*)::int as pending, min(created_at) as oldest
        from messaging_outbox where sent_at is null`.execute(db),
    );
    const { pending = 0, oldest = null } = result.rows[0] ?? {};
    this.metrics.outboxPending.set(pending);
    this.metrics.outboxOldestAge.set(
      oldest ? (Date.now() - new Date(oldest).getTime()) / 1_000 : 0,
    );
  }
}

function toMessage(row: {
  exchange: string;
  routing_key: string;
  content: Buffer | Uint8Array;
  properties: Record<string, unknown> | string;
}): PreparedMessage {
  const properties = (
    typeof row.properties === 'string' ? JSON.parse(row.properties) : row.properties
  ) as PreparedMessage['properties'];
  return {
    exchange: row.exchange,
    routingKey: row.routing_key,
    content: Buffer.isBuffer(row.content) ? row.content : Buffer.from(row.content),
    properties,
  };
}
