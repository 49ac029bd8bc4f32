import {
  HttpException,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { ConfirmChannel, GetMessage } from 'amqplib';
import { MessagingConfig, queueNames } from '@app/messaging';
import { withAdminChannel } from './admin-connection';
import { messageIdOf, toDetail, toSummary } from './dead-letter.view';
import type {
  DeadLetterDetail,
  DeadLetterPage,
  DeadLetterSummary,
  ReplayResult,
} from './dto/dead-letter.dto';
import { MAX_SCAN_DEPTH } from './dto/list-dead-letters.query';
import { replayProperties } from './replay-message';

/** Messages a bulk replay has in flight (taken, published, awaiting confirms) at once. */
const REPLAY_BATCH_SIZE = 100;

type Visit = (message: GetMessage, position: number) => 'next' | 'stop' | Promise<'next' | 'stop'>;

// How nothing is lost: AMQP 0-9-1 cannot peek at a queue, so reading takes messages with manual
// acks and returns every one not replayed or dropped with `basic.nack(requeue)`, closing the
// channel being the safety net (see `browse` for how their order is kept). Replays publish to the
// work queue with confirms and ack the dead-letter copy only once the broker confirmed the new one,
// so a failure leaves at worst a duplicate, which the consumer's de-duplication by messageId
// absorbs, never a loss.
//
// Limits: operations are serialised within this process, not across replicas (while one replica
// reads, the messages it holds are invisible to the others). Messages dead-lettered while a quorum
// queue is being read land ahead of the ones read, and beyond MAX_SCAN_DEPTH messages a read of a
// quorum queue moves the first MAX_SCAN_DEPTH behind the rest. Each read adds one to a quorum
// queue's `x-delivery-count`, and RabbitMQ 4.0-4.2 counts that towards its delivery limit (default
// 20, after which a message with no dead-letter target is dropped). That never drops a dead
// letter: the consumer declares its dead-letter queue without a limit, in the form the broker
// takes (`x-delivery-limit: -1` on 4.x, none on 3.x, which has no default; see `queueDeclarations`
// and docs/operating.md#supported-rabbitmq-versions), and dead-letters.e2e-spec reads one more
// often than the default limit. RabbitMQ 4.3+ does not count `basic.nack` returns at all.

/** Lists, replays and deletes dead letters without losing any, so failures can be recovered. */
@Injectable()
export class DeadLettersService {
  private readonly logger = new Logger(DeadLettersService.name);
  private readonly workQueue: string;
  private readonly deadLetterQueue: string;
  /** Quorum queues append requeued messages at their back; classic ones put them back in place. */
  private readonly requeuesAtBack: boolean;
  private previous: Promise<unknown> = Promise.resolve();

  constructor(private readonly config: MessagingConfig) {
    const names = queueNames(config.queue);
    this.workQueue = names.work;
    this.deadLetterQueue = names.deadLetter;
    this.requeuesAtBack = config.env.RABBITMQ_QUEUE_TYPE === 'quorum';
  }

  /** The messages at positions `offset` to `offset + limit - 1`, leaving every one in the queue. */
  list(offset: number, limit: number): Promise<DeadLetterPage> {
    return this.run(async (channel) => {
      const total = await this.readyCount(channel, this.deadLetterQueue);
      const items: DeadLetterSummary[] = [];
      await this.browse(channel, total, (message, position) => {
        if (position >= offset) {
          items.push(toSummary(message));
        }
        return position + 1 >= offset + limit ? 'stop' : 'next';
      });
      return { queue: this.deadLetterQueue, total, offset, limit, items };
    });
  }

  /** The first message with this messageId, in full, leaving it in the queue. */
  get(messageId: string): Promise<DeadLetterDetail> {
    return this.run(async (channel) => {
      const total = await this.readyCount(channel, this.deadLetterQueue);
      const found: DeadLetterDetail[] = [];
      await this.browse(channel, total, (message) => {
        if (messageIdOf(message) !== messageId) {
          return 'next';
        }
        found.push(toDetail(message));
        return 'stop';
      });
      if (found.length === 0) {
        throw this.notFound(messageId, Math.min(total, MAX_SCAN_DEPTH));
      }
      return found[0];
    });
  }

  /** Sends every copy with this messageId back to the work queue; 503 if none was confirmed. */
  replay(messageId: string): Promise<ReplayResult> {
    return this.run(async (channel) => {
      const total = await this.readyCount(channel, this.deadLetterQueue);
      await this.readyCount(channel, this.workQueue);
      const result: ReplayResult = { replayed: 0, failed: 0 };
      // Bounded by the messages present at the start, so a copy that fails again and comes back
      // behind them is not replayed a second time.
      await this.browse(channel, total, async (message): Promise<'next'> => {
        if (messageIdOf(message) === messageId) {
          const [confirmed] = await this.publishToWorkQueue(channel, [message]);
          this.settle(channel, [message], [confirmed], result);
        }
        return 'next';
      });
      if (result.replayed + result.failed === 0) {
        throw this.notFound(messageId, Math.min(total, MAX_SCAN_DEPTH));
      }
      if (result.replayed === 0) {
        throw new ServiceUnavailableException(
          'The broker did not confirm the replay; the message stays dead-lettered, try again',
        );
      }
      this.logger.log(
        `Replayed ${result.replayed} dead letter(s) ${messageId} to ${this.workQueue}`,
      );
      return result;
    });
  }

  /** Sends every message present in the dead-letter queue back to the work queue. */
  replayAll(): Promise<ReplayResult> {
    return this.run(async (channel) => {
      let remaining = await this.readyCount(channel, this.deadLetterQueue);
      await this.readyCount(channel, this.workQueue);
      const result: ReplayResult = { replayed: 0, failed: 0 };
      let taken = false;
      try {
        while (remaining > 0 && result.failed === 0) {
          const batch = await this.take(channel, Math.min(REPLAY_BATCH_SIZE, remaining));
          if (batch.length === 0) {
            break;
          }
          taken = true;
          remaining -= batch.length;
          const confirmed = await this.publishToWorkQueue(channel, batch);
          this.settle(channel, batch, confirmed, result);
        }
      } finally {
        if (taken && result.failed > 0) {
          this.requeueUnsettled(channel);
        }
      }
      this.logger.log(
        `Replayed ${result.replayed} dead letter(s) to ${this.workQueue}` +
          (result.failed > 0 ? `; ${result.failed} not confirmed, left in place` : ''),
      );
      return result;
    });
  }

  /** Deletes every copy with this messageId. */
  drop(messageId: string): Promise<{ dropped: number }> {
    return this.run(async (channel) => {
      const total = await this.readyCount(channel, this.deadLetterQueue);
      let dropped = 0;
      await this.browse(channel, total, (message) => {
        if (messageIdOf(message) === messageId) {
          channel.ack(message);
          dropped += 1;
        }
        return 'next';
      });
      if (dropped === 0) {
        throw this.notFound(messageId, Math.min(total, MAX_SCAN_DEPTH));
      }
      this.logger.warn(`Dropped ${dropped} dead letter(s) with messageId ${messageId}`);
      return { dropped };
    });
  }

  /** Deletes every message ready in the dead-letter queue. */
  purge(): Promise<{ purged: number }> {
    return this.run(async (channel) => {
      await this.readyCount(channel, this.deadLetterQueue);
      const { messageCount } = await channel.purgeQueue(this.deadLetterQueue);
      this.logger.warn(`Purged ${messageCount} dead letter(s) from ${this.deadLetterQueue}`);
      return { purged: messageCount };
    });
  }

  /**
   * Runs one operation on its own connection, after the previous one finished: two operations
   * interleaving would each miss the messages the other holds.
   */
  private run<T>(operation: (channel: ConfirmChannel) => Promise<T>): Promise<T> {
    const result = this.previous.then(() =>
      withAdminChannel(this.config, operation).catch((error: unknown) => {
        if (error instanceof HttpException) {
          throw error;
        }
        this.logger.error(
          `Dead-letter operation failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        throw new ServiceUnavailableException(
          'The broker operation failed; unsettled messages stay where they were, try again',
        );
      }),
    );
    this.previous = result.catch(() => undefined);
    return result;
  }

  /**
   * Takes messages from the head of the dead-letter queue (at most `total`, the ready count when
   * the operation started, and MAX_SCAN_DEPTH) and shows each to `visit`, which may settle it,
   * until it says 'stop'; then returns every unsettled one to the queue, in delivery order.
   *
   * Where they go back differs by queue type: a classic queue puts requeued messages back at their
   * old positions, so reading stops early. A quorum queue appends them at its back, so reading
   * goes on through every message present: that full rotation leaves their order as it was.
   */
  private async browse(channel: ConfirmChannel, total: number, visit: Visit): Promise<void> {
    const depth = Math.min(total, MAX_SCAN_DEPTH);
    let taken = false;
    let visiting = true;
    try {
      for (let position = 0; position < depth; position += 1) {
        const message = await channel.get(this.deadLetterQueue, { noAck: false });
        if (!message) {
          return;
        }
        taken = true;
        if (visiting && (await visit(message, position)) === 'stop') {
          visiting = false;
          if (!this.requeuesAtBack) {
            return;
          }
        }
      }
    } finally {
      if (taken) {
        this.requeueUnsettled(channel);
      }
    }
  }

  private async take(channel: ConfirmChannel, count: number): Promise<GetMessage[]> {
    const messages: GetMessage[] = [];
    while (messages.length < count) {
      const message = await channel.get(this.deadLetterQueue, { noAck: false });
      if (!message) {
        break;
      }
      messages.push(message);
    }
    return messages;
  }

  /**
   * Publishes copies to the work queue (through the default exchange) and resolves, per message,
   * whether the broker confirmed it. A mandatory publish the broker could not route (the work queue
   * was deleted) is returned before its confirm, so any return fails the whole batch.
   */
  private async publishToWorkQueue(
    channel: ConfirmChannel,
    messages: GetMessage[],
  ): Promise<boolean[]> {
    let returned = false;
    const onReturn = () => {
      returned = true;
    };
    channel.on('return', onReturn);
    try {
      const now = new Date();
      const confirmed = await Promise.all(
        messages.map(
          (message) =>
            new Promise<boolean>((resolve) => {
              try {
                channel.publish(
                  '',
                  this.workQueue,
                  message.content,
                  replayProperties(message, now),
                  (error: unknown) => resolve(error === null || error === undefined),
                );
              } catch {
                resolve(false);
              }
            }),
        ),
      );
      return returned ? messages.map(() => false) : confirmed;
    } finally {
      channel.off('return', onReturn);
    }
  }

  /** Acks the dead-letter copies whose replay was confirmed; the others stay unsettled. */
  private settle(
    channel: ConfirmChannel,
    messages: GetMessage[],
    confirmed: boolean[],
    result: ReplayResult,
  ): void {
    messages.forEach((message, index) => {
      if (confirmed[index]) {
        channel.ack(message);
        result.replayed += 1;
      } else {
        result.failed += 1;
      }
    });
  }

  /**
   * `basic.nack(multiple, requeue)` of everything this channel holds: back to the queue in delivery
   * order. Unlike a channel close, RabbitMQ 4.3+ does not count this against a delivery limit.
   */
  private requeueUnsettled(channel: ConfirmChannel): void {
    try {
      channel.nackAll(true);
    } catch {
      // The channel is gone, which returns the messages just the same.
    }
  }

  /** The queue's ready messages; a queue that does not exist yet is a 503, not an empty list. */
  private async readyCount(channel: ConfirmChannel, queue: string): Promise<number> {
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } catch (error) {
      if ((error as { code?: unknown }).code === 404) {
        throw new ServiceUnavailableException(
          `Queue ${queue} does not exist yet; the consumer declares it when it starts`,
        );
      }
      throw error;
    }
  }

  private notFound(messageId: string, searched: number): NotFoundException {
    return new NotFoundException(
      `No dead letter with messageId "${messageId}" among the ${searched} message(s) searched ` +
        `in ${this.deadLetterQueue}`,
    );
  }
}
