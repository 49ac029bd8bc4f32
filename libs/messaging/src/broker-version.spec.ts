import type { Channel } from 'amqplib';
import {
  brokerVersionOf,
  formatBrokerVersion,
  isSupportedBroker,
  parseBrokerVersion,
} from './broker-version';

describe(parseBrokerVersion.name, () => {
  it('reads the numbers of a release, a release candidate and amqplib’s Buffer form', () => {
    expect(parseBrokerVersion('3.10.8')).toEqual({ major: 3, minor: 10, patch: 8 });
    expect(parseBrokerVersion('4.3.0-rc.1')).toEqual({ major: 4, minor: 3, patch: 0 });
    expect(parseBrokerVersion(Buffer.from('4.2.5'))).toEqual({ major: 4, minor: 2, patch: 5 });
  });

  it('gives undefined for anything else', () => {
    expect(parseBrokerVersion(undefined)).toBeUndefined();
    expect(parseBrokerVersion('unknown')).toBeUndefined();
    expect(parseBrokerVersion(4)).toBeUndefined();
  });
});

describe(brokerVersionOf.name, () => {
  it('reads the version the broker reported when the connection opened', () => {
    const channel = {
      connection: { serverProperties: { version: '4.2.5' } },
    } as unknown as Channel;
    expect(brokerVersionOf(channel)).toEqual({ major: 4, minor: 2, patch: 5 });
  });

  it('gives undefined for a channel without a connection (a test fake)', () => {
    expect(brokerVersionOf({} as Channel)).toBeUndefined();
  });
});

describe(isSupportedBroker.name, () => {
  it('supports RabbitMQ 3.10 and later, 4.x included', () => {
    const supported = ['3.10.0', '3.13.7', '4.0.9', '4.2.5', '5.0.0'];
    const unsupported = ['3.9.29', '3.8.0', '2.8.7'];
    expect(supported.filter((v) => !isSupportedBroker(parseBrokerVersion(v)!))).toEqual([]);
    expect(unsupported.filter((v) => isSupportedBroker(parseBrokerVersion(v)!))).toEqual([]);
    expect(formatBrokerVersion(parseBrokerVersion('4.2.5')!)).toBe('4.2.5');
  });
});
