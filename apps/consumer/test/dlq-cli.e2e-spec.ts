import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventPatterns, type OrderProcessedEvent } from '@app/contracts';
import { queueNames, type ConsumeListener } from '@app/messaging';
import {
  anOrderPlacedEvent,
  deleteTopology,
  EventProbe,
  freePort,
  isolatedBrokerEnv,
  publishRaw,
  queueDepth,
  uniqueName,
  waitFor,
  waitForQueueDepth,
  dropServiceDatabase,
  takeTableAway,
  serviceDatabaseEnv,
} from '@app/testing';
import { ConsumerConfig, createConsumerApp, startConsumerApp } from '@apps/consumer';

const ROOT = resolve(__dirname, '..', '..', '..');
const TOKEN = 'dlq-cli-e2e-admin-token';
const TEST_TIMEOUT_MS = 30_000;
/** Bounds one CLI run, so a CLI that hangs fails the test instead of stalling it. */
const CLI_DEADLINE_MS = 20_000;

/** `npm run dlq`'s command line, from package.json, so the test runs exactly what operators run. */
const DLQ_COMMAND = (
  JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts.dlq.split(' ');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed at the deadline), stdin not a terminal, and collects output. */
function runProcess(
  file: string,
  args: string[],
  env: Record<string, string>,
  answer?: { prompt: string; reply: string },
): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(file, args, {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let answered = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (answer && !answered && stdout.includes(answer.prompt)) {
        answered = true;
        child.stdin.write(answer.reply);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    if (!answer) {
      child.stdin.end();
    }
    const deadline = setTimeout(() => child.kill('SIGKILL'), CLI_DEADLINE_MS);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(deadline);
      done({ code, stdout, stderr });
    });
  });
}

// `script` (util-linux) gives the CLI a pseudo-terminal, to answer the purge question like a person.
const hasScript = spawnSync('script', ['--version']).status === 0;

describe('npm run dlq: the dead-letter CLI against a running consumer', () => {
  const env: Record<string, string> = {
    ...isolatedBrokerEnv('dlq-cli'),
    RABBITMQ_QUEUE: uniqueName('consumer'),
  };
  const database = serviceDatabaseEnv('consumer');
  const dlq = queueNames(env.RABBITMQ_QUEUE).deadLetter;
  const outcomes: Parameters<ConsumeListener>[0][] = [];
  let app: NestFastifyApplication | undefined;
  let probe: EventProbe | undefined;
  let consumerUrl = '';

  // Two valid orders dead-lettered because the consumer's orders table is away (a transient
  // failure: retried, then dead-lettered), and one with an invalid payload.
  const failingA = randomUUID();
  const failingB = randomUUID();
  let restoreOrdersTable: (() => Promise<void>) | undefined;
  const invalid = `cli-invalid-${randomUUID()}`;

  const dlqCli = (args: string[], vars: Record<string, string> = {}) =>
    runProcess(process.execPath, [...DLQ_COMMAND.slice(1), ...args], {
      CONSUMER_URL: consumerUrl,
      ADMIN_TOKEN: TOKEN,
      ...vars,
    });

  const publishOrder = (messageId: string, data: unknown) =>
    publishRaw(
      env.RABBITMQ_EXCHANGE,
      EventPatterns.OrderPlaced,
      JSON.stringify({ pattern: EventPatterns.OrderPlaced, data }),
      { messageId },
    );

  const anOrder = (orderId: string) => anOrderPlacedEvent({ orderId, customerId: 'dlq-cli-test' });

  beforeAll(async () => {
    app = await createConsumerApp(
      ConsumerConfig.fromEnv({ ...env, ...database, ADMIN_TOKEN: TOKEN }),
    );
    const server = await startConsumerApp(app, 0);
    server.onConsume((event) => outcomes.push(event));
    const { port } = app.getHttpServer().address() as AddressInfo;
    consumerUrl = `http://127.0.0.1:${port}`;

    restoreOrdersTable = await takeTableAway(database, 'orders');
    await publishOrder(invalid, anOrder('not-a-uuid'));
    await publishOrder(failingA, anOrder(failingA));
    await publishOrder(failingB, anOrder(failingB));
    await waitForQueueDepth(dlq, 3, 20_000);
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await probe?.close();
    await app?.close();
    await deleteTopology(env, [env.RABBITMQ_QUEUE]);
    await dropServiceDatabase(database);
  });

  it('--help prints the commands, the environment and the exit codes (through npm run)', async () => {
    const help = await runProcess('npm', ['run', '--silent', 'dlq', '--', '--help'], {});
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('Usage: npm run dlq -- <command> [options]');
    for (const text of ['list', 'show <messageId>', 'replay --all', 'purge', '--json', '--yes']) {
      expect(help.stdout).toContain(text);
    }
    expect(help.stdout).toMatch(/CONSUMER_URL[\s\S]*ADMIN_TOKEN[\s\S]*Exit codes:/);
  });

  it(
    'answers a usage error with exit code 1 and a hint',
    async () => {
      for (const args of [['frobnicate'], ['replay'], ['list', '--bogus']]) {
        const usage = await dlqCli(args);
        expect([args, usage.code]).toEqual([args, 1]);
        expect(usage.stderr).toContain('--help');
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'lists the dead letters as a table',
    async () => {
      const list = await dlqCli(['list']);
      expect(list).toMatchObject({ code: 0, stderr: '' });
      const [header, ...rows] = list.stdout.trimEnd().split('\n');
      expect(header.split(/\s{2,}/)).toEqual([
        'OFFSET',
        'MESSAGE ID',
        'PATTERN',
        'ATTEMPTS',
        'LAST FAILURE',
        'REASON',
      ]);
      expect(rows.at(-1)).toBe(`3 of 3 dead letter(s) in ${dlq}`);
      // The first column is each message's position, the --offset that starts a page at it.
      expect(rows.slice(0, -1).map((row) => row.split(' ')[0])).toEqual(['0', '1', '2']);
      const byId = new Map(rows.slice(0, -1).map((row) => [row.split(/\s{2,}/)[1], row]));
      expect([...byId.keys()].sort()).toEqual([invalid, failingA, failingB].sort());
      expect(byId.get(invalid)).toMatch(
        new RegExp(
          `${EventPatterns.OrderPlaced} +1 +\\S+Z +PayloadValidationError \\[VALIDATION_FAILED\\]`,
        ),
      );
      expect(byId.get(failingA)).toMatch(/ 3 +\S+Z +DatabaseError /);

      const page = await dlqCli(['list', '--limit', '2']);
      expect(page.stdout.trimEnd().split('\n').at(-1)).toBe(
        `2 of 3 dead letter(s) in ${dlq}; next page: --offset 2`,
      );
      // Reading took the messages and put them back.
      await waitForQueueDepth(dlq, 3);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'lists as JSON with --json: the API page, nothing else on stdout',
    async () => {
      const list = await dlqCli(['list', '--json', '--limit', '2', '--offset', '1']);
      expect(list).toMatchObject({ code: 0, stderr: '' });
      const page = JSON.parse(list.stdout) as { items: { messageId: string }[] };
      expect(page).toMatchObject({ queue: dlq, total: 3, offset: 1, limit: 2 });
      expect(page.items).toHaveLength(2);

      const all = JSON.parse((await dlqCli(['list', '--json'])).stdout) as typeof page;
      expect(all.items.map((item) => item.messageId).slice(1)).toEqual(
        page.items.map((item) => item.messageId),
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows one dead letter in full, as text or JSON, and exits 2 for an unknown one',
    async () => {
      const shown = await dlqCli(['show', invalid]);
      expect(shown).toMatchObject({ code: 0, stderr: '' });
      expect(shown.stdout).toMatch(new RegExp(`^messageId: +${invalid}$`, 'm'));
      expect(shown.stdout).toMatch(
        /^reason: +PayloadValidationError \[VALIDATION_FAILED\] .*orderId/m,
      );
      expect(shown.stdout).toContain('body (json):');
      expect(shown.stdout).toContain('"orderId": "not-a-uuid"');
      expect(shown.stdout).toMatch(/^headers:$/m);

      const json = await dlqCli(['show', invalid, '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({
        messageId: invalid,
        bodyEncoding: 'json',
        body: { pattern: EventPatterns.OrderPlaced, data: { orderId: 'not-a-uuid' } },
      });

      const unknown = await dlqCli(['show', 'no-such-message']);
      expect(unknown).toMatchObject({ code: 2, stdout: '' });
      expect(unknown.stderr).toContain('No dead letter with messageId "no-such-message"');
      await waitForQueueDepth(dlq, 3);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'exits 3 when the token is wrong or missing, touching nothing',
    async () => {
      const wrong = await dlqCli(['purge', '--yes'], { ADMIN_TOKEN: 'not-the-admin-token-at-all' });
      expect(wrong).toMatchObject({ code: 3, stdout: '' });
      expect(wrong.stderr).toContain('refused the admin token (401)');
      expect(wrong.stderr).not.toContain('not-the-admin-token-at-all');

      const missing = await dlqCli(['list'], { ADMIN_TOKEN: '' });
      expect(missing).toMatchObject({ code: 3, stdout: '' });
      expect(missing.stderr).toContain('ADMIN_TOKEN is not set');
      expect((await queueDepth(dlq)).messages).toBe(3);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'exits 3 when the consumer cannot be reached',
    async () => {
      const closedPort = await freePort();
      const unreachable = await dlqCli(['list'], {
        CONSUMER_URL: `http://127.0.0.1:${closedPort}`,
      });
      expect(unreachable).toMatchObject({ code: 3, stdout: '' });
      expect(unreachable.stderr).toContain(
        `Cannot reach the consumer at http://127.0.0.1:${closedPort}`,
      );
      expect(unreachable.stderr).toContain('ECONNREFUSED');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'replays one dead letter; the consumer then processes it',
    async () => {
      // The fix: the table is back.
      await restoreOrdersTable!();
      probe = await EventProbe.create(env.RABBITMQ_EXCHANGE, [EventPatterns.OrderProcessed]);

      const replayed = await dlqCli(['replay', failingA]);
      expect(replayed).toMatchObject({ code: 0, stderr: '' });
      expect(replayed.stdout).toBe(
        `Replayed 1 dead letter(s) with messageId ${failingA} to the work queue.\n`,
      );
      const processed = await probe.waitForMessage<OrderProcessedEvent>(
        EventPatterns.OrderProcessed,
        (event) => event.orderId === failingA,
      );
      expect(processed.data).toMatchObject({ outcome: 'accepted' });
      await waitForQueueDepth(dlq, 2);

      expect((await dlqCli(['replay', failingA])).code).toBe(2);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'deletes one dead letter',
    async () => {
      const deleted = await dlqCli(['delete', invalid]);
      expect(deleted).toMatchObject({
        code: 0,
        stdout: `Deleted 1 dead letter(s) with messageId ${invalid}.\n`,
      });
      await waitForQueueDepth(dlq, 1);
      expect((await dlqCli(['delete', invalid])).code).toBe(2);
      expect(outcomes.filter((o) => o.messageId === invalid && o.outcome === 'acked')).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'replays every dead letter with replay --all',
    async () => {
      const replayed = await dlqCli(['replay', '--all', '--json']);
      expect(replayed).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(replayed.stdout)).toEqual({ replayed: 1, failed: 0 });
      await probe!.waitForMessage<OrderProcessedEvent>(
        EventPatterns.OrderProcessed,
        (event) => event.orderId === failingB,
      );
      await waitForQueueDepth(dlq, 0);
      await waitFor(() => outcomes.some((o) => o.messageId === failingB && o.outcome === 'acked'), {
        description: 'the replayed order to be acked',
      });
    },
    TEST_TIMEOUT_MS,
  );

  describe('purge', () => {
    const doomed = ['cli-purged-1', 'cli-purged-2'];

    beforeAll(async () => {
      for (const messageId of doomed) {
        await publishOrder(messageId, { orderId: 42 });
      }
      await waitForQueueDepth(dlq, 2);
    }, TEST_TIMEOUT_MS);

    it(
      'refuses without --yes when stdin is not a terminal, and purges nothing',
      async () => {
        const refused = await dlqCli(['purge']);
        expect(refused).toMatchObject({ code: 4, stdout: '' });
        expect(refused.stderr).toContain('Refusing to purge: stdin is not a terminal');
        expect(refused.stderr).toContain('--yes');
        expect((await queueDepth(dlq)).messages).toBe(2);
      },
      TEST_TIMEOUT_MS,
    );

    (hasScript ? it : it.skip)(
      'asks on a terminal, and purges nothing when the answer is no, or Ctrl-C',
      async () => {
        const command = [process.execPath, ...DLQ_COMMAND.slice(1), 'purge']
          .map((word) => `'${word}'`)
          .join(' ');
        for (const reply of ['n\r', '\x03']) {
          const declined = await runProcess(
            'script',
            ['-qec', command, '/dev/null'],
            { CONSUMER_URL: consumerUrl, ADMIN_TOKEN: TOKEN },
            { prompt: '[y/N]', reply },
          );
          expect(declined.stdout).toContain(
            `Delete EVERY dead letter of the consumer at ${consumerUrl}? This cannot be undone.`,
          );
          expect(declined.stdout).toContain('Not purged.');
          expect([reply, declined.code]).toEqual([reply, 4]);
          expect((await queueDepth(dlq)).messages).toBe(2);
        }
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'purges with --yes',
      async () => {
        const purged = await dlqCli(['purge', '--yes']);
        expect(purged).toMatchObject({ code: 0, stdout: 'Purged 2 dead letter(s).\n', stderr: '' });
        expect((await queueDepth(dlq)).messages).toBe(0);

        const empty = await dlqCli(['list']);
        expect(empty).toMatchObject({ code: 0, stdout: `No dead letters in ${dlq}.\n` });
      },
      TEST_TIMEOUT_MS,
    );
  });

  it(
    'exits 3 when the consumer has its admin API disabled (no ADMIN_TOKEN)',
    async () => {
      let disabled: NestFastifyApplication | undefined;
      try {
        disabled = await createConsumerApp(
          ConsumerConfig.fromEnv({
            ...env,
            ...serviceDatabaseEnv('consumer'),
            RABBITMQ_QUEUE: uniqueName('consumer-no-admin'),
            ADMIN_TOKEN: '',
          }),
        );
        await disabled.listen(0, '127.0.0.1');
        const { port } = disabled.getHttpServer().address() as AddressInfo;
        for (const args of [['list'], ['show', 'any-message']]) {
          const run = await dlqCli(args, { CONSUMER_URL: `http://127.0.0.1:${port}` });
          expect([args, run.code]).toEqual([args, 3]);
          expect(run.stderr).toContain("the consumer's admin API is disabled");
        }
      } finally {
        await disabled?.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
