import { EventPatterns } from '@app/contracts';
import { MessageHeaders } from '@app/messaging';
import { anOrderPlacedEvent, publishRaw, waitFor, waitForQueueDepth } from '@app/testing';
import { ConsumerUnderTest } from './interop/consumer-under-test';

interface Summary {
  messageId: string | null;
  pattern: string | null;
  error: { name: string | null };
  replayedAt: string | null;
}

// #14 point 5: anything published without a message_id (amqp-publish, many scripts) used to be
// listed with "messageId": null, and /admin/dead-letters/null answered 404.
describe('A dead letter published without a message_id', () => {
  let consumer: ConsumerUnderTest;

  beforeAll(async () => {
    consumer = await ConsumerUnderTest.start('dlq-no-id');
  });

  afterAll(async () => {
    await consumer?.close();
  });

  const list = async (): Promise<Summary[]> => {
    const { status, body } = await consumer.admin<{ items: Summary[] }>('GET', '');
    expect(status).toBe(200);
    return body.items;
  };

  it('is listed, shown, replayed and deleted by the id the consumer assigned to it', async () => {
    // Invalid (no such currency): a permanent failure, dead-lettered at the first attempt.
    await publishRaw(
      consumer.exchange,
      EventPatterns.OrderPlaced,
      JSON.stringify({
        pattern: EventPatterns.OrderPlaced,
        data: anOrderPlacedEvent({ currency: 'NOPE' }),
      }),
      {}, // no messageId, no correlationId: as amqp-publish sends it
    );
    await waitForQueueDepth(consumer.names.deadLetter, 1);

    const [listed] = await list();
    expect(listed).toMatchObject({
      pattern: EventPatterns.OrderPlaced,
      error: { name: 'PayloadValidationError' },
      replayedAt: null,
    });
    const id = listed.messageId;
    expect(id).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));

    const shown = await consumer.admin<{
      messageId: string;
      properties: Record<string, unknown>;
      headers: Record<string, unknown>;
    }>('GET', `/${id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.messageId).toBe(id);
    expect(shown.body.headers[MessageHeaders.AssignedMessageId]).toBe(id);
    // The original properties are untouched: the id lives in a header only.
    expect(shown.body.properties.messageId).toBeUndefined();

    const replayed = await consumer.admin('POST', `/${id}/replay`);
    expect(replayed).toEqual({ status: 200, body: { replayed: 1, failed: 0 } });
    // Still invalid, so it fails again and comes back, under the same id.
    const back = await waitFor(
      async () => (await list()).find((item) => item.messageId === id && item.replayedAt !== null),
      { description: 'the replayed dead letter back in the queue under the same id' },
    );
    expect(back.error.name).toBe('PayloadValidationError');

    const deleted = await consumer.admin('DELETE', `/${id}`);
    expect(deleted).toEqual({ status: 200, body: { dropped: 1 } });
    expect((await consumer.admin('GET', `/${id}`)).status).toBe(404);
    await waitForQueueDepth(consumer.names.deadLetter, 0);
  });
});
