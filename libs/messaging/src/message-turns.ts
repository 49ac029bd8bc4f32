/**
 * How an attempt at a message ended: `settled` when its fate is recorded for good (handled and
 * remembered as processed, or a copy confirmed in a delay or dead-letter queue), `unsettled` when
 * nothing durable happened and the broker still holds the message.
 */
export type Settlement = 'settled' | 'unsettled';

/** One delivery's turn at its message; `end` must be called exactly once. */
export interface Turn {
  /** How the attempt before this one ended; undefined when this is the only one. */
  previous?: Settlement;
  end(settlement: Settlement): void;
}

/**
 * Serialises the deliveries of one message. When a channel closes under a running handler, the
 * broker delivers the message again while the first attempt is still going; acking that copy as a
 * duplicate would lose the message if the first attempt then fails to settle. So a second delivery
 * waits here for the first attempt's end: if that settled the message, the copy is a duplicate;
 * if not, the copy is handled as the message.
 */
export class MessageTurns {
  private readonly tails = new Map<string, Promise<Settlement>>();

  /** Waits for every earlier delivery of `messageId` to end, then starts this one's turn. */
  async take(messageId: string): Promise<Turn> {
    const previous = this.tails.get(messageId);
    let end!: (settlement: Settlement) => void;
    const mine = new Promise<Settlement>((resolve) => (end = resolve));
    this.tails.set(messageId, mine);
    const turn: Turn = {
      previous: previous ? await previous : undefined,
      end: (settlement) => {
        end(settlement);
        if (this.tails.get(messageId) === mine) {
          this.tails.delete(messageId);
        }
      },
    };
    return turn;
  }

  /** Messages with a delivery in progress. */
  get size(): number {
    return this.tails.size;
  }
}
