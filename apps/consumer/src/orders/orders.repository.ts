import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { Database, PreparedQuery } from '@app/persistence';
import type { ConsumerTables } from '../database/consumer.tables';
import type { OrderState } from './order-state';

/** An order as processing leaves it. */
export interface ProcessedOrder {
  orderId: string;
  status: OrderState;
  customerId: string;
  currency: string;
  total: number;
  reason?: string;
  processedAt: Date;
}

/**
 * The order's state, locked until the transaction ends (`new` when unseen until now). One
 * statement: the no-op `do update` takes the existing row's lock and returns it, as an insert
 * followed by `select … for update` would in two round trips. Prepared: it runs once per event.
 */
const lockOrder = new PreparedQuery((db: Kysely<ConsumerTables>, order: { orderId: string }) =>
  db
    .insertInto('orders')
    .values({
      order_id: order.orderId,
      status: 'new',
      customer_id: null,
      currency: null,
      total: null,
      reason: null,
      processed_at: null,
      cancelled_at: null,
      cancel_reason: null,
    })
    .onConflict((conflict) =>
      conflict.column('order_id').doUpdateSet((eb) => ({ order_id: eb.ref('excluded.order_id') })),
    )
    .returning('status'),
);

const saveProcessed = new PreparedQuery(
  (
    db: Kysely<ConsumerTables>,
    order: Omit<ProcessedOrder, 'reason'> & { reason: string | null; updatedAt: Date },
  ) =>
    db
      .updateTable('orders')
      .set({
        status: order.status,
        customer_id: order.customerId,
        currency: order.currency,
        total: order.total,
        reason: order.reason,
        processed_at: order.processedAt,
        updated_at: order.updatedAt,
      })
      .where('order_id', '=', order.orderId),
);

/**
 * The consumer's orders. Every event about an order first takes the order's row lock (creating the
 * row as `new` if this is the first word of it), so events about one order apply one after the
 * other, on any replica, whatever the order they arrive in.
 */
@Injectable()
export class OrdersRepository {
  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.db<ConsumerTables>();
  }

  /** The order's state, locked until the transaction ends (`new` when unseen until now). */
  async lock(orderId: string): Promise<OrderState> {
    const { rows } = await lockOrder.execute(this.db, { orderId });
    return rows[0].status;
  }

  async saveProcessed(order: ProcessedOrder): Promise<void> {
    await saveProcessed.execute(this.db, {
      ...order,
      reason: order.reason ?? null,
      updatedAt: new Date(),
    });
  }

  async saveCancelled(
    orderId: string,
    status: OrderState,
    reason: string,
    at: Date,
  ): Promise<void> {
    await this.db
      .updateTable('orders')
      .set({ status, cancelled_at: at, cancel_reason: reason, updated_at: new Date() })
      .where('order_id', '=', orderId)
      .execute();
  }

  async statusOf(orderId: string): Promise<OrderState | undefined> {
    const row = await this.db
      .selectFrom('orders')
      .select('status')
      .where('order_id', '=', orderId)
      .executeTakeFirst();
    return row?.status;
  }
}
