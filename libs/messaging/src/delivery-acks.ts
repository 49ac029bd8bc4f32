import type { Channel, ConsumeMessage } from 'amqplib';

/** What DeliveryAcks needs of a channel. */
type AckChannel = Pick<Channel, 'ack'>;

/**
 * The acks of one channel's deliveries, sent in as few frames as correctness allows. An ack asked
 * for waits until the end of the event-loop turn (`setImmediate`); then the contiguous run of
 * finished deliveries from the oldest unsettled one is acked with a single `basic.ack(multiple)` of
 * its last tag, which settles exactly that run: every older delivery of the channel is settled
 * already. Finished deliveries behind an unfinished one are acked one by one, so a slow or held
 * delivery never holds back the others' acks (nor their prefetch slots) for more than a turn.
 * A delivery left unsettled for the broker to deliver again stays a barrier (see `leave`).
 */
export class DeliveryAcks {
  /** Delivered and not yet acked or given up, in delivery order (tags grow on a channel). */
  private readonly unsettled = new Map<number, ConsumeMessage>();
  private readonly finished = new Set<number>();
  private flushing?: { promise: Promise<void>; done: () => void };

  constructor(private readonly channel: AckChannel) {}

  /** Every delivery of the channel, as it arrives. */
  received(msg: ConsumeMessage): void {
    this.unsettled.set(msg.fields.deliveryTag, msg);
  }

  /**
   * A delivery left to the broker (its channel is closing: the broker delivers it again). It stays
   * unsettled, so no `multiple` ack ever covers it: one would ack, and so lose, it too. Later
   * deliveries are acked one by one until the channel closes.
   */
  leave(msg: ConsumeMessage): void {
    this.finished.delete(msg.fields.deliveryTag);
  }

  /** Acks `msg` at the end of this turn; resolves once the ack went to the channel. */
  ack(msg: ConsumeMessage): Promise<void> {
    const tag = msg.fields.deliveryTag;
    if (!this.unsettled.has(tag)) {
      // Not seen arriving (a fake channel, a test): ack it on its own, now.
      safely(() => this.channel.ack(msg));
      return Promise.resolve();
    }
    this.finished.add(tag);
    if (!this.flushing) {
      let done!: () => void;
      const promise = new Promise<void>((resolve) => (done = resolve));
      this.flushing = { promise, done };
      setImmediate(() => this.flush());
    }
    return this.flushing.promise;
  }

  /** Sends every ack asked for so far (at the end of the turn, or before the channel closes). */
  flush(): void {
    const flushing = this.flushing;
    this.flushing = undefined;
    let last: ConsumeMessage | undefined;
    let run = 0;
    for (const [tag, msg] of this.unsettled) {
      if (!this.finished.has(tag)) {
        break;
      }
      last = msg;
      run += 1;
    }
    if (last) {
      const upTo = last;
      safely(() => this.channel.ack(upTo, run > 1));
      for (const tag of [...this.unsettled.keys()].slice(0, run)) {
        this.unsettled.delete(tag);
        this.finished.delete(tag);
      }
    }
    for (const tag of this.finished) {
      const msg = this.unsettled.get(tag);
      this.unsettled.delete(tag);
      if (msg) {
        safely(() => this.channel.ack(msg));
      }
    }
    this.finished.clear();
    flushing?.done();
  }

  /** Deliveries neither acked nor forgotten. */
  get size(): number {
    return this.unsettled.size;
  }
}

/** An ack on a closed channel throws; the broker redelivers then, and de-duplication covers it. */
function safely(operation: () => void): void {
  try {
    operation();
  } catch {
    // See above.
  }
}
