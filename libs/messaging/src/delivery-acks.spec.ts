import type { ConsumeMessage } from 'amqplib';
import { DeliveryAcks } from './delivery-acks';

function delivery(tag: number): ConsumeMessage {
  return { fields: { deliveryTag: tag } } as unknown as ConsumeMessage;
}

/** A channel that records each ack frame: its tag and whether it was `multiple`. */
function recorder() {
  const frames: [number, boolean][] = [];
  return {
    frames,
    channel: {
      ack: (msg: ConsumeMessage, allUpTo?: boolean) =>
        frames.push([msg.fields.deliveryTag, allUpTo ?? false]),
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('DeliveryAcks', () => {
  it('acks a contiguous run finished in one turn with a single multiple ack of its last tag', async () => {
    const { frames, channel } = recorder();
    const acks = new DeliveryAcks(channel);
    const msgs = [1, 2, 3].map(delivery);
    msgs.forEach((m) => acks.received(m));

    const sent = Promise.all([acks.ack(msgs[1]), acks.ack(msgs[0]), acks.ack(msgs[2])]);
    expect(frames).toEqual([]);
    await sent;

    expect(frames).toEqual([[3, true]]);
    expect(acks.size).toBe(0);
  });

  it('never acks past an unfinished delivery: the ones behind it are acked one by one', async () => {
    const { frames, channel } = recorder();
    const acks = new DeliveryAcks(channel);
    const msgs = [1, 2, 3, 4].map(delivery);
    msgs.forEach((m) => acks.received(m));

    await Promise.all([acks.ack(msgs[0]), acks.ack(msgs[2]), acks.ack(msgs[3])]);

    expect(frames).toEqual([
      [1, false],
      [3, false],
      [4, false],
    ]);
    expect(acks.size).toBe(1);

    await acks.ack(msgs[1]);
    expect(frames.at(-1)).toEqual([2, false]);
    expect(acks.size).toBe(0);
  });

  it('never covers a delivery left to the broker with a multiple ack: the ones after it go one by one', async () => {
    const { frames, channel } = recorder();
    const acks = new DeliveryAcks(channel);
    const msgs = [1, 2, 3].map(delivery);
    msgs.forEach((m) => acks.received(m));

    // 1 is left unsettled for redelivery (shutting down with its dependency away); a multiple ack
    // of 3 would ack 1 as well, and lose it.
    acks.leave(msgs[0]);
    await Promise.all([acks.ack(msgs[1]), acks.ack(msgs[2])]);

    expect(frames).toEqual([
      [2, false],
      [3, false],
    ]);
  });

  it('sends what was asked for at once on flush() (before the channel closes)', async () => {
    const { frames, channel } = recorder();
    const acks = new DeliveryAcks(channel);
    const msgs = [1, 2].map(delivery);
    msgs.forEach((m) => acks.received(m));

    const sent = Promise.all(msgs.map((m) => acks.ack(m)));
    acks.flush();
    expect(frames).toEqual([[2, true]]);
    await sent;
    await turn();
    expect(frames).toHaveLength(1);
  });

  it('swallows an ack on a closed channel (the broker redelivers; de-duplication covers it)', async () => {
    const acks = new DeliveryAcks({
      ack: () => {
        throw new Error('Channel closed');
      },
    });
    const msg = delivery(1);
    acks.received(msg);
    await expect(acks.ack(msg)).resolves.toBeUndefined();
  });
});
