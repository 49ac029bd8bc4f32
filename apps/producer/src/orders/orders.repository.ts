import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import type { OrderCancellationProcessedEvent, OrderProcessedEvent } from '@app/contracts';
import { Database, PreparedQuery } from '@app/persistence';
import type { OrderStatus, ProducerTables } from '../database/producer.tables';

/** What `GET /orders/:orderId` answers. */
export interface OrderView {
  orderId: string;
  status: OrderStatus;
  customerId: string;
  currency: string;
  total: number | null;
  reason: string | null;
  placedAt: string;
  processedAt: string | null;
  cancelRequestedAt: string | null;
  cancelledAt: string | null;
}

/** A new order as the producer records it (status pending). */
export interface NewOrder {
  orderId: string;
  customerId: string;
  currency: string;
  items: unknown;
  placedAt: Date;
}

// The two statements every order runs, prepared (built and compiled once; decision record 0028).

const insertOrder = new PreparedQuery(
  (db: Kysely<ProducerTables>, order: Omit<NewOrder, 'items'> & { items: string }) =>
    db.insertInto('orders').values({
      order_id: order.orderId,
      customer_id: order.customerId,
      status: 'pending',
      currency: order.currency,
      items: order.items,
      placed_at: order.placedAt,
      total: null,
      reason: null,
      processed_at: null,
      cancel_requested_at: null,
      cancelled_at: null,
    }),
);

const applyProcessed = new PreparedQuery(
  (
    db: Kysely<ProducerTables>,
    outcome: {
      orderId: string;
      outcome: OrderProcessedEvent['outcome'];
      total: number;
      reason: string | null;
      processedAt: Date;
      updatedAt: Date;
    },
  ) =>
    db
      .updateTable('orders')
      .set({
        status: outcome.outcome,
        total: outcome.total,
        reason: outcome.reason,
        processed_at: outcome.processedAt,
        updated_at: outcome.updatedAt,
      })
      .where('order_id', '=', outcome.orderId)
      .where('status', '=', 'pending'),
);

/**
 * The producer's orders and Idempotency-Keys. Every state change is a conditional update, so the
 * consumer's outcomes apply in whatever order they arrive: `processed` only moves a pending order,
 * a confirmed cancellation moves a pending or accepted one to cancelled, nothing leaves cancelled.
 */
@Injectable()
export class OrdersRepository {
  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.db<ProducerTables>();
  }

  /** Claims an Idempotency-Key for `orderId`; returns the key's earlier claim when there is one. */
  async claimKey(
    customerId: string,
    key: string,
    fingerprint: string,
    orderId: string,
  ): Promise<{ orderId: string; fingerprint: string } | undefined> {
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({ customer_id: customerId, idempotency_key: key, fingerprint, order_id: orderId })
      .onConflict((conflict) => conflict.columns(['customer_id', 'idempotency_key']).doNothing())
      .executeTakeFirst();
    if (inserted.numInsertedOrUpdatedRows === 1n) {
      return undefined;
    }
    const earlier = await this.db
      .selectFrom('idempotency_keys')
      .select(['order_id', 'fingerprint'])
      .where('customer_id', '=', customerId)
      .where('idempotency_key', '=', key)
      .executeTakeFirstOrThrow();
    return { orderId: earlier.order_id, fingerprint: earlier.fingerprint };
  }

  /** Bounds how long a statement waits for a row another transaction holds (same key in flight). */
  async waitForLocksAtMost(ms: number): Promise<void> {
    await sql`select set_config('lock_timeout', ${`${Math.round(ms)}ms`}, true)`.execute(this.db);
  }

  async insert(order: NewOrder): Promise<void> {
    await insertOrder.execute(this.db, { ...order, items: JSON.stringify(order.items) });
  }

  /** The order's status, locked until the transaction ends. */
  async lockStatus(
    orderId: string,
  ): Promise<{ status: OrderStatus; reason: string | null } | undefined> {
    return this.db
      .selectFrom('orders')
      .select(['status', 'reason'])
      .where('order_id', '=', orderId)
      .forUpdate()
      .executeTakeFirst();
  }

  /** Records that a cancellation was requested (the first time only). */
  async markCancelRequested(orderId: string, at: Date): Promise<void> {
    await this.db
      .updateTable('orders')
      .set({ cancel_requested_at: at, updated_at: new Date() })
      .where('order_id', '=', orderId)
      .where('cancel_requested_at', 'is', null)
      .execute();
  }

  /** The consumer's outcome: moves a pending order to accepted or rejected. */
  async applyProcessed(event: OrderProcessedEvent): Promise<void> {
    await applyProcessed.execute(this.db, {
      orderId: event.orderId,
      outcome: event.outcome,
      total: event.total,
      reason: event.reason ?? null,
      processedAt: new Date(event.processedAt),
      updatedAt: new Date(),
    });
  }

  /** A confirmed cancellation: a pending or accepted order ends cancelled. */
  async applyCancellation(event: OrderCancellationProcessedEvent): Promise<void> {
    if (event.outcome !== 'cancelled') {
      return;
    }
    await this.db
      .updateTable('orders')
      .set({
        status: 'cancelled',
        cancelled_at: new Date(event.processedAt),
        updated_at: new Date(),
      })
      .where('order_id', '=', event.orderId)
      .where('status', 'in', ['pending', 'accepted'])
      .execute();
  }

  async find(orderId: string): Promise<OrderView | undefined> {
    const row = await this.db
      .selectFrom('orders')
      .selectAll()
      .where('order_id', '=', orderId)
      .executeTakeFirst();
    return (
      row && {
        orderId: row.order_id,
        status: row.status,
        customerId: row.customer_id,
        currency: row.currency,
        total: row.total,
        reason: row.reason,
        placedAt: iso(row.placed_at),
        processedAt: row.processed_at && iso(row.processed_at),
        cancelRequestedAt: row.cancel_requested_at && iso(row.cancel_requested_at),
        cancelledAt: row.cancelled_at && iso(row.cancelled_at),
      }
    );
  }

  /** Deletes Idempotency-Keys older than `before`, a batch at a time; returns how many. */
  async deleteKeysBefore(before: Date, batch: number): Promise<number> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where((eb) =>
        eb(
          sql.raw('(customer_id, idempotency_key)'),
          'in',
          eb
            .selectFrom('idempotency_keys')
            .select(['customer_id', 'idempotency_key'])
            .where('created_at', '<', before)
            .limit(batch),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function iso(value: Date | string): string {
  return new Date(value).toISOString();
}
