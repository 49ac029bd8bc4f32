// Docker cannot run in every test environment, so this reads the compose file and the Dockerfile
// (at the repository root) and checks what users copy from them; CI also validates the compose file
// with `docker-compose config -q`. It lives here because the unit project runs libs/*/src specs.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { SERVICE_IMAGES } from './service-images';
import { freePort } from './service-process';

const ROOT = resolve(__dirname, '..', '..', '..');
const read = (file: string) => readFileSync(resolve(ROOT, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  env_file?: string | string[];
  environment?: Record<string, string>;
  ports?: string[];
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const APPS = ['producer', 'consumer'] as const;

/** A Dockerfile's instructions, continuation lines joined, comments dropped, by stage. */
function dockerfileStages(): { name: string; instructions: [string, string][] }[] {
  const stages: { name: string; instructions: [string, string][] }[] = [];
  const logical = read('Dockerfile')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  for (const line of logical) {
    const [, keyword, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (keyword.toUpperCase() === 'FROM') {
      stages.push({ name: /\bAS\s+(\S+)/i.exec(rest)?.[1] ?? '', instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push([keyword.toUpperCase(), rest]);
    }
  }
  return stages;
}

/** `ENV A=1 B=2` (the form the Dockerfile uses) as a record. */
function envOf(instructions: [string, string][]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [keyword, rest] of instructions) {
    if (keyword === 'ENV') {
      for (const [, key, value] of rest.matchAll(/(\w+)=("[^"]*"|\S+)/g)) {
        env[key] = value.replace(/^"|"$/g, '');
      }
    }
  }
  return env;
}

describe('docker-compose.yml', () => {
  it('runs the broker and the database the tests run: the images pinned in service-images.ts', () => {
    const images = Object.entries(compose.services)
      .filter(([, service]) => !service.build && service.image !== compose.services.consumer.image)
      .map(([name, service]) => [name, service.image]);
    expect(images).toEqual([
      ['rabbitmq', SERVICE_IMAGES.rabbitmq],
      ['rabbitmq-2', SERVICE_IMAGES.rabbitmq],
      ['rabbitmq-3', SERVICE_IMAGES.rabbitmq],
      ['postgres', SERVICE_IMAGES.postgres],
    ]);
    // Pinned to a patch release (PostgreSQL's are major.minor): a floating tag such as
    // `4-management` would change under the tests.
    expect(SERVICE_IMAGES.rabbitmq).toMatch(/^rabbitmq:4\.\d+\.\d+-management$/);
    expect(SERVICE_IMAGES.postgres).toMatch(/^postgres:\d+\.\d+-[a-z]+$/);
  });

  it('runs both apps from one named image, built once', () => {
    const [producer, consumer] = APPS.map((app) => compose.services[app]);
    expect(producer.image).toEqual(expect.stringMatching(/\S/));
    expect(consumer.image).toBe(producer.image);
    const builders = Object.entries(compose.services).filter(([, service]) => service.build);
    expect(builders.map(([name]) => name)).toEqual(['consumer']);
  });

  it('lets .env set any app variable: an env_file that always exists, and little fixed', () => {
    for (const app of APPS) {
      const { env_file: envFile, environment = {} } = compose.services[app];
      expect([app, envFile]).toEqual([app, ['${APP_ENV_FILE:-docker/empty.env}']]);
      // Only the container wiring (broker, database, port) is fixed; the rest comes from .env.
      const fixed = Object.entries(environment).filter(([, value]) => !value.startsWith('${'));
      expect(fixed.map(([key]) => key).sort()).toEqual(
        ['RABBITMQ_URL', 'DATABASE_URL', app === 'producer' ? 'PORT' : 'CONSUMER_PORT'].sort(),
      );
    }
    // Without .env compose reads this file, which must exist; with .env, .env points it at itself.
    expect(existsSync(resolve(ROOT, 'docker/empty.env'))).toBe(true);
    expect(read('.env.example')).toMatch(/^APP_ENV_FILE=\.env$/m);
  });

  it('publishes AMQP on 127.0.0.1 only, for npm start and npm test on the same machine', () => {
    const amqp = Object.values(compose.services)
      .flatMap((service) => service.ports ?? [])
      .filter((port) => port.endsWith(':5672'));
    expect(amqp).toEqual(['127.0.0.1:${RABBITMQ_AMQP_PORT:-5672}:5672']);
  });

  it('documents `docker compose down -v` next to the password (the volume keeps the first one)', () => {
    for (const file of ['.env.example', 'README.md', 'docker-compose.yml']) {
      expect([file, read(file)]).toEqual([
        file,
        expect.stringMatching(/RABBITMQ_PASSWORD[\s\S]{0,200}docker compose down -v/),
      ]);
    }
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileStages();

  it('switches off install-time telemetry before installing', () => {
    const build = stages.find((stage) => stage.name === 'build')!;
    const install = build.instructions.findIndex(([, rest]) => /\bnpm ci\b/.test(rest));
    expect(install).toBeGreaterThan(-1);
    expect(envOf(build.instructions.slice(0, install))).toMatchObject({
      SCARF_ANALYTICS: 'false',
      DO_NOT_TRACK: '1',
    });
    // And for every `npm ci` outside Docker, on laptops and in CI.
    const pkg = JSON.parse(read('package.json')) as { scarfSettings?: { enabled?: boolean } };
    expect(pkg.scarfSettings?.enabled).toBe(false);
  });

  it("runs the Node of .nvmrc, which package.json's engines admit", () => {
    const arg = /^ARG NODE_VERSION=(\S+)$/m.exec(read('Dockerfile'))?.[1];
    const nvmrc = read('.nvmrc').trim();
    expect(arg).toBe(nvmrc);
    // engines: `^22.22.0 || >=24` style; the image's major must fall in one of its parts.
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
    const admits = pkg.engines.node.split('||').some((part) => {
      const [, op, major] = /^\s*(>=|\^)(\d+)/.exec(part) ?? [];
      return op === '^' ? Number(major) === Number(nvmrc) : Number(major) <= Number(nvmrc);
    });
    expect([pkg.engines.node, admits]).toEqual([pkg.engines.node, true]);
  });

  describe('HEALTHCHECK', () => {
    const healthcheck = stages.at(-1)!.instructions.find(([keyword]) => keyword === 'HEALTHCHECK');
    const command = JSON.parse(/\bCMD\s+(\[.*\])$/.exec(healthcheck?.[1] ?? '')?.[1] ?? 'null') as
      string[] | null;
    const servers: Server[] = [];

    /** A stand-in app answering /health/ready with this status. */
    async function app(status: number): Promise<number> {
      const server = createServer((request, reply) => {
        reply.statusCode = request.url === '/health/ready' ? status : 404;
        reply.end();
      });
      servers.push(server);
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      return (server.address() as AddressInfo).port;
    }

    /** Runs the image's health check command here, as Docker would in the container. */
    function check(env: Record<string, string>): Promise<number | null> {
      const [program, ...args] = command!;
      expect(program).toBe('node');
      return new Promise((done, fail) => {
        const child = spawn(process.execPath, args, {
          env: { PATH: process.env.PATH ?? '', ...env },
          stdio: 'ignore',
        });
        child.on('error', fail);
        child.on('exit', (code) => done(code));
      });
    }

    afterAll(async () => {
      await Promise.all(
        servers.map((server) => new Promise((done) => server.close(() => done(undefined)))),
      );
    });

    it('is in the runtime stage, in exec form, run by node', () => {
      expect(healthcheck).toBeDefined();
      expect(healthcheck![1]).toMatch(/--interval=\S+ .*--timeout=\S+/);
      expect(command?.[0]).toBe('node');
    });

    it('is healthy when the producer (PORT) or the consumer (CONSUMER_PORT) is ready', async () => {
      const ready = await app(200);
      const nothing = String(await freePort());
      expect(await check({ PORT: String(ready), CONSUMER_PORT: nothing })).toBe(0);
      expect(await check({ PORT: nothing, CONSUMER_PORT: String(ready) })).toBe(0);
    });

    it('is unhealthy when the app is not ready, or not listening', async () => {
      const notReady = String(await app(503));
      const nothing = String(await freePort());
      expect(await check({ PORT: notReady, CONSUMER_PORT: nothing })).toBe(1);
      expect(await check({ PORT: nothing, CONSUMER_PORT: notReady })).toBe(1);
      expect(await check({ PORT: nothing, CONSUMER_PORT: nothing })).toBe(1);
    });
  });
});
