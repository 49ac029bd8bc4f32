// Operator CLI over the consumer's dead-letter admin API (/admin/dead-letters).
// Usage: npm run dlq -- <command> [options]   (see USAGE below, or `npm run dlq -- --help`)
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type {
  DeadLetterDetail,
  DeadLetterPage,
  DeadLetterSummary,
  ReplayResult,
} from '../apps/consumer/src/dead-letters/dto/dead-letter.dto';

/** Exit codes, documented in USAGE and docs/operating.md; scripts branch on them. */
const ExitCode = {
  Ok: 0,
  /** Bad arguments, or the API answered an error (400, 5xx), or a replay was not fully confirmed. */
  Failed: 1,
  /** No dead letter with that messageId. */
  NotFound: 2,
  /** The admin API cannot be used: unreachable, no answer in time, token missing or refused, disabled. */
  NoAccess: 3,
  /** A purge was not confirmed: declined at the prompt, or no terminal to ask on and no --yes. */
  NotConfirmed: 4,
} as const;

const DEFAULT_URL = 'http://127.0.0.1:3001';
const DEFAULT_TIMEOUT_MS = 60_000;

const USAGE = `Dead-letter tool: inspect, replay and delete the consumer's dead letters.

Usage: npm run dlq -- <command> [options]

Commands:
  list                    the dead letters, oldest first, as a table (--limit, --offset)
  show <messageId>        one dead letter in full: reason, body, properties, headers
  replay <messageId>      send every copy with this messageId back to the work queue
  replay --all            send every dead letter back to the work queue
  delete <messageId>      delete every copy with this messageId
  purge                   delete every dead letter (asks first; --yes to skip the question)

Options:
  --json                  print the API's JSON answer instead of text (for scripts and jq)
  --limit <n>             list: at most n messages (1-500, default 50)
  --offset <n>            list: start at this position in the queue (default 0)
  --all                   replay: every dead letter
  -y, --yes               purge: do not ask; required when stdin is not a terminal
  -h, --help              this text

Environment:
  CONSUMER_URL            the consumer's base URL (default ${DEFAULT_URL})
  ADMIN_TOKEN             the consumer's ADMIN_TOKEN (required; sent as a bearer token)
  DLQ_TIMEOUT_MS          how long to wait for an answer (default ${DEFAULT_TIMEOUT_MS})

Exit codes:
  0  done
  1  usage error, an error answer of the API (400, 5xx), or a replay the broker did not fully confirm
  2  no dead letter with that messageId
  3  the admin API cannot be used: consumer unreachable or silent, ADMIN_TOKEN missing or refused,
     or the admin API disabled (the consumer has no ADMIN_TOKEN)
  4  purge not confirmed: declined, or stdin is not a terminal and --yes was not given

Listing and showing read the messages and put them back: nothing is lost by looking.
With --json use \`npm run --silent dlq -- ...\` so npm's own lines stay out of the output.
`;

/** A failure with the exit code it ends the CLI with. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

type Command =
  | { name: 'help' }
  | { name: 'list'; limit: number; offset: number }
  | { name: 'show' | 'replay' | 'delete'; messageId: string }
  | { name: 'replay-all' }
  | { name: 'purge'; yes: boolean };

interface Invocation {
  command: Command;
  json: boolean;
}

/** Parses the arguments; throws a CliError (exit 1) saying what is wrong. */
function parseCommandLine(argv: string[]): Invocation {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const json = values.json === true;
  if (values.help) {
    return { command: { name: 'help' }, json };
  }
  const [name, ...rest] = positionals;
  const only = (allowed: string[]) => {
    const given = ['all', 'yes', 'limit', 'offset'].filter(
      (key) => values[key as keyof typeof values] !== undefined,
    );
    const stray = given.find((key) => !allowed.includes(key));
    if (stray) {
      throw usageError(`--${stray} does not apply to ${name}`);
    }
  };
  const messageIdArgument = (): string => {
    if (rest.length !== 1 || rest[0] === '') {
      throw usageError(`${name} takes exactly one messageId`);
    }
    return rest[0];
  };
  switch (name) {
    case undefined:
      throw usageError('no command given');
    case 'list':
      only(['limit', 'offset']);
      if (rest.length > 0) {
        throw usageError('list takes no arguments');
      }
      return {
        command: {
          name,
          limit: integerOption('limit', values.limit, 50),
          offset: integerOption('offset', values.offset, 0),
        },
        json,
      };
    case 'show':
    case 'delete':
      only([]);
      return { command: { name, messageId: messageIdArgument() }, json };
    case 'replay':
      only(['all']);
      if (values.all) {
        if (rest.length > 0) {
          throw usageError('replay takes either a messageId or --all, not both');
        }
        return { command: { name: 'replay-all' }, json };
      }
      if (rest.length === 0) {
        throw usageError('replay needs a messageId, or --all to replay every dead letter');
      }
      return { command: { name, messageId: messageIdArgument() }, json };
    case 'purge':
      only(['yes']);
      if (rest.length > 0) {
        throw usageError('purge takes no arguments (to delete one message: delete <messageId>)');
      }
      return { command: { name, yes: values.yes === true }, json };
    default:
      throw usageError(`unknown command "${name}"`);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      all: { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      limit: { type: 'string' },
      offset: { type: 'string' },
    },
  });
}

function integerOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  if (!/^\d+$/.test(value)) {
    throw usageError(`--${name} must be a whole number, not "${value}"`);
  }
  return Number(value);
}

function usageError(message: string): CliError {
  return new CliError(
    `${message}\nRun \`npm run dlq -- --help\` for the commands.`,
    ExitCode.Failed,
  );
}

/** The API's answer: status and parsed JSON body (or the raw text when it is not JSON). */
interface Answer {
  status: number;
  body: unknown;
}

/** Talks to one consumer's admin API with the operator's token. */
class AdminApi {
  /** The consumer's base URL, as shown to the operator (it holds no credentials). */
  readonly target: string;
  private readonly base: string;

  constructor(
    url: string,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {
    this.target = url.replace(/\/+$/, '');
    this.base = `${this.target}/admin/dead-letters`;
  }

  async call(method: string, path: string): Promise<Answer> {
    const url = `${this.base}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw unreachable(error, this.base, this.timeoutMs, method !== 'GET');
    }
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page, say): kept as text for the error message.
    }
    if (response.status === 401) {
      throw new CliError(
        `The consumer refused the admin token (401): ADMIN_TOKEN must be the consumer's ADMIN_TOKEN.`,
        ExitCode.NoAccess,
      );
    }
    if (response.status === 404 && /^Cannot [A-Z]+ \//.test(errorText(body))) {
      // The guard answers exactly like an unknown route while the consumer has no ADMIN_TOKEN.
      throw new CliError(
        `${this.base} answered 404 like an unknown route: the consumer's admin API is disabled ` +
          `(set ADMIN_TOKEN on the consumer), or CONSUMER_URL is not the consumer.`,
        ExitCode.NoAccess,
      );
    }
    if (response.status === 404) {
      throw new CliError(errorText(body) || 'Not found', ExitCode.NotFound);
    }
    if (!response.ok) {
      throw new CliError(
        `The consumer answered ${response.status}: ${errorText(body) || '(no details)'}`,
        ExitCode.Failed,
      );
    }
    return { status: response.status, body };
  }
}

function unreachable(error: unknown, base: string, timeoutMs: number, changes: boolean): CliError {
  const name = (error as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new CliError(
      `No answer from ${base} within ${timeoutMs} ms (DLQ_TIMEOUT_MS)` +
        (changes ? '; the operation may still complete on the consumer, list to see.' : '.'),
      ExitCode.NoAccess,
    );
  }
  // fetch() says only "fetch failed"; the cause has the system error (ECONNREFUSED, ENOTFOUND...).
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const why = [cause?.code, cause?.message, (error as Error).message].find(
    (text): text is string => typeof text === 'string' && text !== '',
  );
  return new CliError(
    `Cannot reach the consumer at ${base} (${why ?? 'no reason given'}); check CONSUMER_URL.`,
    ExitCode.NoAccess,
  );
}

/** The human part of an error body: Nest's `message` (string or list) or a problem's `detail`. */
function errorText(body: unknown): string {
  if (typeof body === 'string') {
    return body.slice(0, 500);
  }
  if (typeof body !== 'object' || body === null) {
    return '';
  }
  const { detail, message } = body as { detail?: unknown; message?: unknown };
  const text = detail ?? message;
  return Array.isArray(text) ? text.join('; ') : typeof text === 'string' ? text : '';
}

/** What the CLI writes and reads; the real process streams, or fakes in a test. */
interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Asks a yes/no question on the terminal; undefined when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
}

/** Runs one invocation and resolves with its exit code; never throws. */
async function run(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  try {
    const { command, json } = parseCommandLine(argv);
    if (command.name === 'help') {
      io.out(USAGE);
      return ExitCode.Ok;
    }
    const api = connect(env);
    const print = (value: unknown, text: () => string) =>
      io.out(json ? `${JSON.stringify(value)}\n` : text());

    switch (command.name) {
      case 'list': {
        const { body } = await api.call('GET', `?limit=${command.limit}&offset=${command.offset}`);
        const page = body as DeadLetterPage;
        print(page, () => formatPage(page));
        return ExitCode.Ok;
      }
      case 'show': {
        const { body } = await api.call('GET', `/${encodeURIComponent(command.messageId)}`);
        const detail = body as DeadLetterDetail;
        print(detail, () => formatDetail(detail));
        return ExitCode.Ok;
      }
      case 'replay': {
        const path = `/${encodeURIComponent(command.messageId)}/replay`;
        const result = (await api.call('POST', path)).body as ReplayResult;
        print(result, () => formatReplay(result, `with messageId ${command.messageId}`));
        return replayExitCode(result, io);
      }
      case 'replay-all': {
        const result = (await api.call('POST', '/replay')).body as ReplayResult;
        print(result, () => formatReplay(result, 'present in the dead-letter queue'));
        return replayExitCode(result, io);
      }
      case 'delete': {
        const { body } = await api.call('DELETE', `/${encodeURIComponent(command.messageId)}`);
        const { dropped } = body as { dropped: number };
        print(
          body,
          () => `Deleted ${dropped} dead letter(s) with messageId ${command.messageId}.\n`,
        );
        return ExitCode.Ok;
      }
      case 'purge': {
        if (!command.yes) {
          if (!io.confirm) {
            throw new CliError(
              'Refusing to purge: stdin is not a terminal to ask on. Pass --yes to delete every ' +
                'dead letter without asking.',
              ExitCode.NotConfirmed,
            );
          }
          const confirmed = await io.confirm(
            `Delete EVERY dead letter of the consumer at ${api.target}? This cannot be undone. [y/N] `,
          );
          if (!confirmed) {
            throw new CliError('Not purged.', ExitCode.NotConfirmed);
          }
        }
        const { body } = await api.call('DELETE', '?confirm=purge');
        const { purged } = body as { purged: number };
        print(body, () => `Purged ${purged} dead letter(s).\n`);
        return ExitCode.Ok;
      }
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`dlq: ${error.message}\n`);
      return error.exitCode;
    }
    io.err(`dlq: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.Failed;
  }
}

function connect(env: NodeJS.ProcessEnv): AdminApi {
  const url = env.CONSUMER_URL?.trim() || DEFAULT_URL;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // Not echoed: a mistyped URL may hold a secret.
  }
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') {
    throw new CliError(
      `CONSUMER_URL must be an http(s) URL such as ${DEFAULT_URL}`,
      ExitCode.Failed,
    );
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new CliError(
      'CONSUMER_URL must not contain credentials: ADMIN_TOKEN is what the admin API checks',
      ExitCode.Failed,
    );
  }
  const token = env.ADMIN_TOKEN?.trim();
  if (!token) {
    throw new CliError(
      "ADMIN_TOKEN is not set: export the consumer's ADMIN_TOKEN to use its admin API.",
      ExitCode.NoAccess,
    );
  }
  const timeout = env.DLQ_TIMEOUT_MS?.trim();
  if (timeout !== undefined && timeout !== '' && !/^[1-9]\d*$/.test(timeout)) {
    throw new CliError(
      `DLQ_TIMEOUT_MS must be a positive whole number, not "${timeout}"`,
      ExitCode.Failed,
    );
  }
  return new AdminApi(url, token, timeout ? Number(timeout) : DEFAULT_TIMEOUT_MS);
}

function replayExitCode(result: ReplayResult, io: Io): number {
  if (result.failed === 0) {
    return ExitCode.Ok;
  }
  io.err(
    `dlq: the broker did not confirm ${result.failed} replay(s); those stay dead-lettered, ` +
      'run the replay again.\n',
  );
  return ExitCode.Failed;
}

function formatReplay(result: ReplayResult, what: string): string {
  return (
    `Replayed ${result.replayed} dead letter(s) ${what} to the work queue` +
    (result.failed > 0 ? `; ${result.failed} not confirmed, left in place.\n` : '.\n')
  );
}

/** The reason a message was dead-lettered, on one line. */
function reason(item: DeadLetterSummary): string {
  const { name, message, code } = item.error;
  if (name || message) {
    return [name, code && `[${code}]`, message].filter(Boolean).join(' ');
  }
  return item.deathReason ? `broker: ${item.deathReason}` : '';
}

const REASON_WIDTH = 72;

function formatPage(page: DeadLetterPage): string {
  if (page.items.length === 0) {
    return page.total === 0
      ? `No dead letters in ${page.queue}.\n`
      : `No dead letters at offset ${page.offset}; ${page.total} in ${page.queue}.\n`;
  }
  const rows = page.items.map((item, index) => [
    String(page.offset + index),
    item.messageId ?? '(none)',
    item.pattern ?? '',
    item.attempts === null ? '' : String(item.attempts),
    item.lastFailureAt ?? '',
    truncate(reason(item), REASON_WIDTH),
  ]);
  const next = page.offset + page.items.length;
  return (
    table(['OFFSET', 'MESSAGE ID', 'PATTERN', 'ATTEMPTS', 'LAST FAILURE', 'REASON'], rows) +
    `${page.items.length} of ${page.total} dead letter(s) in ${page.queue}` +
    (page.offset > 0 ? `, from offset ${page.offset}` : '') +
    (next < page.total ? `; next page: --offset ${next}` : '') +
    '\n'
  );
}

function formatDetail(detail: DeadLetterDetail): string {
  const fields: [string, unknown][] = [
    ['messageId', detail.messageId],
    ['pattern', detail.pattern],
    ['routingKey', detail.routingKey],
    ['exchange', detail.exchange],
    ['reason', reason(detail)],
    ['attempts', detail.attempts],
    ['firstFailureAt', detail.firstFailureAt],
    ['lastFailureAt', detail.lastFailureAt],
    ['replayedAt', detail.replayedAt],
    ['publishedAt', detail.publishedAt],
    ['size', `${detail.sizeBytes} bytes`],
  ];
  const width = Math.max(...fields.map(([key]) => key.length));
  const lines = fields
    .filter(([, value]) => value !== null && value !== '')
    .map(([key, value]) => `${`${key}:`.padEnd(width + 2)}${String(value)}`);
  const body =
    detail.bodyEncoding === 'json' ? JSON.stringify(detail.body, null, 2) : String(detail.body);
  return (
    `${lines.join('\n')}\n\nbody (${detail.bodyEncoding}):\n${body}\n\n` +
    `properties:\n${JSON.stringify(detail.properties, null, 2)}\n\n` +
    `headers:\n${JSON.stringify(detail.headers, null, 2)}\n`
  );
}

function truncate(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [header, ...rows].map(line).join('\n') + '\n';
}

/** Asks on the terminal; only when stdin is one, since a pipe cannot answer a question. */
function terminalConfirm(): Io['confirm'] {
  if (!process.stdin.isTTY) {
    return undefined;
  }
  return async (question) => {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    // Ctrl-C (which readline reads on a terminal) and Ctrl-D answer no: left alone, readline would
    // pause and the process would end with nothing pending, exit code 0.
    let asking = true;
    const interrupted = new Promise<string>((done) => {
      const no = () => {
        if (asking) {
          process.stderr.write('\n');
          done('');
        }
      };
      prompt.once('SIGINT', no);
      prompt.once('close', no);
    });
    try {
      const answer = await Promise.race([prompt.question(question), interrupted]);
      return /^y(es)?$/i.test(answer.trim());
    } catch {
      return false;
    } finally {
      asking = false;
      prompt.close();
    }
  };
}

void run(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  confirm: terminalConfirm(),
}).then((code) => {
  // Not process.exit(): the process ends once stdout is flushed, which matters when it is a pipe.
  process.exitCode = code;
});
