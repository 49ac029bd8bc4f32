import { MessageTurns } from './message-turns';

describe(MessageTurns.name, () => {
  it('makes a second delivery of a message wait for the first, and tells it how the first ended', async () => {
    const sut = new MessageTurns();
    const first = await sut.take('m');
    let second: Awaited<ReturnType<MessageTurns['take']>> | undefined;
    void sut.take('m').then((turn) => (second = turn));

    await Promise.resolve();
    expect(second).toBeUndefined();

    first.end('unsettled');
    await new Promise((resolve) => setImmediate(resolve));
    expect(second?.previous).toBe('unsettled');
    second?.end('settled');
    expect(sut.size).toBe(0);
  });

  it('does not hold up other messages', async () => {
    const sut = new MessageTurns();
    await sut.take('a');

    const other = await sut.take('b');

    expect(other.previous).toBeUndefined();
  });
});
