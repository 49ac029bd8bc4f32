import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsOptional } from 'class-validator';
import { ToList } from './env-transforms';
import {
  fileProblem,
  IsReadableFile,
  IsServiceUrl,
  SetTogetherWith,
  TlsWhenSet,
  urlProblem,
} from './env-validators';
import { InvalidEnvironmentError, loadEnv } from './load-env';

const AMQP = { protocols: ['amqp:', 'amqps:'] };
const POSTGRES = { protocols: ['postgres:', 'postgresql:'], hostOptional: true };

class SampleEnv {
  @ToList()
  @IsServiceUrl(AMQP)
  @TlsWhenSet('amqps:', ['CA_FILE', 'CERT_FILE'])
  BROKER_URL: string[] = ['amqp://guest:guest@localhost:5672'];

  @IsOptional()
  @IsServiceUrl(POSTGRES)
  DB_URL?: string;

  @IsOptional()
  @IsReadableFile()
  CA_FILE?: string;

  @IsOptional()
  @IsReadableFile()
  @SetTogetherWith('KEY_FILE')
  CERT_FILE?: string;

  @IsOptional()
  @IsReadableFile()
  @SetTogetherWith('CERT_FILE')
  KEY_FILE?: string;
}

/** The problems loadEnv reports, by variable; {} when the environment is valid. */
function problems(env: Record<string, string>): Record<string, string[]> {
  try {
    loadEnv(SampleEnv, env);
    return {};
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    return (error as InvalidEnvironmentError).problems;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'env-validators-'));
const pem = join(dir, 'file.pem');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\n');

describe(urlProblem.name, () => {
  it('accepts URLs with a host and a port in range, or no port', () => {
    for (const url of [
      'amqp://guest:guest@localhost:5672',
      'amqps://orders:p%40ss@broker.example.com/vhost',
      'amqp://[::1]:5672',
      'amqp://user:pa:ss@host:1',
      'amqp://host:65535',
    ]) {
      expect([url, urlProblem(url, AMQP)]).toEqual([url, undefined]);
    }
  });

  it('says what is wrong: scheme, port, host, or not a URL', () => {
    expect(urlProblem('http://host:5672', AMQP)).toBe(
      'has scheme http:// (http://host:5672/); use amqp:// or amqps://',
    );
    expect(urlProblem('amqp://host:70000', AMQP)).toBe('has port 70000, outside 1-65535');
    expect(urlProblem('amqp://host:0', AMQP)).toBe('has port 0, outside 1-65535');
    expect(urlProblem('amqp://host:56x', AMQP)).toBe('has a port that is not a number');
    expect(urlProblem('amqp:///vhost', AMQP)).toBe('has no host');
    expect(urlProblem('amqp://ho st', AMQP)).toMatch(/^is not a URL/);
    expect(urlProblem('', AMQP)).toBe('must be a amqp:// or amqps:// URL');
  });

  it('lets a PostgreSQL URL leave the host to ?host= (a socket directory)', () => {
    expect(urlProblem('postgres://user:pw@/orders?host=/run/postgresql', POSTGRES)).toBeUndefined();
    expect(urlProblem('postgresql:///orders', POSTGRES)).toBeUndefined();
    expect(urlProblem('mysql://user@host/orders', POSTGRES)).toMatch(/^has scheme mysql:/);
  });

  it('never echoes a password, whatever is wrong', () => {
    for (const url of [
      'http://user:s3cret@host',
      'amqp://user:s3cret@host:99999',
      'amqp://user:s3cret@ho st',
      'amqp://user:s3cret@',
    ]) {
      expect([url, urlProblem(url, AMQP)]).not.toEqual([url, expect.stringContaining('s3cret')]);
    }
  });
});

describe(fileProblem.name, () => {
  it('accepts a readable file and names what is wrong with anything else', () => {
    expect(fileProblem(pem)).toBeUndefined();
    expect(fileProblem(join(dir, 'missing.pem'))).toBe(
      `cannot read ${join(dir, 'missing.pem')} (it does not exist)`,
    );
    expect(fileProblem(dir)).toBe(`${dir} is not a file`);
    expect(fileProblem('')).toBe('must be the path of a readable file');
  });

  it('reports a file it may not read (unless running as root, who may read anything)', () => {
    const locked = join(dir, 'locked.pem');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0o000);
    const root = process.getuid?.() === 0;
    expect(fileProblem(locked)).toBe(
      root ? undefined : `cannot read ${locked} (permission denied)`,
    );
  });
});

describe('the validators through loadEnv', () => {
  it('accepts a consistent environment', () => {
    expect(problems({})).toEqual({});
    expect(
      problems({
        BROKER_URL: 'amqps://a:5671,amqps://b:5671',
        CA_FILE: pem,
        CERT_FILE: pem,
        KEY_FILE: pem,
        DB_URL: 'postgres://u:p@db:5432/orders',
      }),
    ).toEqual({});
  });

  it('names the entry of a list that is wrong', () => {
    expect(problems({ BROKER_URL: 'amqp://a:5672,amqp://b:99999' })).toEqual({
      BROKER_URL: ['entry 2 has port 99999, outside 1-65535'],
    });
  });

  it('wants a certificate and its key together', () => {
    expect(problems({ BROKER_URL: 'amqps://a', CERT_FILE: pem })).toEqual({
      CERT_FILE: ['is set without KEY_FILE: set both, or neither'],
    });
    expect(problems({ BROKER_URL: 'amqps://a', KEY_FILE: pem })).toEqual({
      KEY_FILE: ['is set without CERT_FILE: set both, or neither'],
    });
  });

  it('refuses TLS files with a plain amqp:// URL, showing the URL without its password', () => {
    expect(problems({ BROKER_URL: 'amqps://a,amqp://orders:s3cret@b:5672', CA_FILE: pem })).toEqual(
      {
        BROKER_URL: [
          'amqp://orders:***@b:5672 is not TLS, but CA_FILE is set: use amqps:// URLs, or unset it',
        ],
      },
    );
  });

  it('names an unreadable file, and never prints a URL variable’s password', () => {
    const found = problems({
      BROKER_URL: 'amqp://orders:s3cret@b:99999',
      CA_FILE: join(dir, 'nope.pem'),
    });
    expect(found.CA_FILE).toEqual([`cannot read ${join(dir, 'nope.pem')} (it does not exist)`]);
    expect(JSON.stringify(found)).not.toContain('s3cret');
  });
});
