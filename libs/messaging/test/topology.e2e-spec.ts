import { queueNames, TopologyMismatchError } from '@app/messaging';
import { connectBroker, isolatedBrokerEnv, uniqueName } from '@app/testing';
import { TestService } from './support/test-service';

describe('Queue topology', () => {
  it('declares a quorum work queue with a delivery limit and at-least-once dead-lettering', async () => {
    const service = await TestService.start();
    try {
      const connection = await connectBroker();
      const channel = await connection.createChannel();
      const names = queueNames(service.queue);
      // Re-declaring with the same arguments succeeds only if they are exactly these.
      await expect(
        channel.assertQueue(names.work, {
          durable: true,
          arguments: {
            'x-queue-type': 'quorum',
            'x-dead-letter-exchange': '',
            'x-dead-letter-routing-key': names.deadLetter,
            'x-dead-letter-strategy': 'at-least-once',
            'x-overflow': 'reject-publish',
            'x-delivery-limit': 10,
          },
        }),
      ).resolves.toMatchObject({ queue: names.work });
      await connection.close();
    } finally {
      await service.close();
    }
  });

  it('fails to start with a message that says what differs and how to fix it', async () => {
    const queue = uniqueName('mismatch');
    const connection = await connectBroker();
    const channel = await connection.createChannel();
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic' } });

    const service = new TestService({ ...isolatedBrokerEnv('lib') });
    Object.assign(service, { queue });
    try {
      const error: unknown = await service.startApp().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TopologyMismatchError);
      expect((error as Error).message).toMatch(/inequivalent arg '[^']+'/);
      expect((error as Error).message).toMatch(/RABBITMQ_QUEUE_TYPE|delete_queue/);
    } finally {
      await service.app?.close();
      await channel.deleteQueue(queue);
      await channel.deleteQueue(queueNames(queue).deadLetter);
      await connection.close();
    }
  });
});
