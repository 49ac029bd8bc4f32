import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';
import type { PeerCaller, PeerCallerModule, PeerCallerOptions } from '../peers/shared/driver';
import { ROOT, TRANSPILE_OPTIONS } from './processes';
import type { Scope } from './scope';

/**
 * The peers: the same workloads on the libraries a team would use instead of ours, each in
 * bench/peers/<peer>/ (see bench/peers/README.md): stock Nest 12 (Transport.RMQ) and
 * @golevelup/nestjs-rabbitmq 9 on Nest 11.
 */
export const PEERS = ['nest', 'golevelup'] as const;
export type PeerName = (typeof PEERS)[number];

/** How tables and logs name each peer. */
export const PEER_LABELS: Record<PeerName, string> = {
  nest: 'stock Nest',
  golevelup: 'golevelup',
};

export function isPeer(name: string): name is PeerName {
  return (PEERS as readonly string[]).includes(name);
}

const PEERS_DIR = join(ROOT, 'bench', 'peers');

/** Installs bench/peers' locked dependencies when missing or stale (bench/peers/install.mjs). */
export function installPeers(): void {
  const result = spawnSync(process.execPath, [join(PEERS_DIR, 'install.mjs')], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    throw new Error(
      'Installing the peers (npm ci in bench/peers) failed; BENCH_PEERS=none runs the bench without them',
    );
  }
}

/**
 * Imports of our libraries that a file of the peers' build reaches (the contracts import the handler
 * decorators of @app/messaging), and the bench file that stands in for each: the peers load no
 * library of ours but the contracts and rules.
 */
const PEER_STANDINS: Record<string, string> = {
  '@app/messaging': join(ROOT, 'bench', 'peers', 'shared', 'messaging-stub.ts'),
};

/** The .ts file a relative import names. */
function resolveImport(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  throw new Error(`${relative(ROOT, from)} imports ${specifier}, which is not a .ts file`);
}

/**
 * Transpiles a peer's sources (bench/peers/<peer>/src/*.ts) and every file they import by a relative
 * path (bench/peers/shared, the contracts in libs/, the rules of the consumer) to CommonJS in
 * bench/peers/<peer>/dist/, each at its path in the repository. Relative imports keep working, and
 * every file resolves its packages from that peer's node_modules, so each process loads one copy
 * of Nest, class-validator and class-transformer. Transpiled only, like bench/raw;
 * `npm run typecheck:peers` type-checks them.
 */
function buildPeer(peer: PeerName): void {
  const out = join(PEERS_DIR, peer, 'dist');
  rmSync(out, { recursive: true, force: true });
  const sources = join(PEERS_DIR, peer, 'src');
  const pending = readdirSync(sources)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(sources, name));
  const done = new Set<string>();
  for (let file = pending.pop(); file; file = pending.pop()) {
    if (done.has(file)) {
      continue;
    }
    done.add(file);
    const source = readFileSync(file, 'utf8');
    for (const { fileName } of ts.preProcessFile(source, true, true).importedFiles) {
      if (fileName.startsWith('.')) {
        pending.push(resolveImport(file, fileName));
      } else if (PEER_STANDINS[fileName]) {
        pending.push(PEER_STANDINS[fileName]);
      }
    }
    const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: TRANSPILE_OPTIONS,
      fileName: file,
    });
    const standIn = (specifier: string) => {
      const stub = join(out, relative(ROOT, PEER_STANDINS[specifier])).replace(/\.ts$/, '.js');
      const path = relative(dirname(target), stub);
      return path.startsWith('.') ? path : `./${path}`;
    };
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(
      target,
      outputText.replace(/require\("(@app\/[^"]+)"\)/g, (call, specifier: string) =>
        PEER_STANDINS[specifier] ? `require(${JSON.stringify(standIn(specifier))})` : call,
      ),
    );
  }
}

/** Installs the peers' dependencies when missing or stale and transpiles the peers. */
export function preparePeers(peers: readonly PeerName[]): void {
  if (peers.length === 0) {
    return;
  }
  installPeers();
  for (const peer of peers) {
    buildPeer(peer);
  }
}

/** The packages that make each peer, with the versions installed for it. */
const PEER_PACKAGES: Record<PeerName, string[]> = {
  nest: ['@nestjs/microservices', '@nestjs/core', 'amqp-connection-manager', 'amqplib'],
  golevelup: ['@golevelup/nestjs-rabbitmq', '@nestjs/core', 'amqp-connection-manager', 'amqplib'],
};

/** The installed version of each of a peer's main packages, as Node would resolve them for it. */
export function peerVersions(peer: PeerName): Record<string, string> {
  const versions: Record<string, string> = {};
  const [main] = PEER_PACKAGES[peer];
  // As Node resolves them from the peer's main package: its own node_modules, its workspace's,
  // then the hoisted ones (npm's layout).
  const dirs = [join(PEERS_DIR, peer), PEERS_DIR].flatMap((dir) => [
    join(dir, 'node_modules', main),
    dir,
  ]);
  for (const name of PEER_PACKAGES[peer]) {
    for (const dir of dirs) {
      const manifest = join(dir, 'node_modules', name, 'package.json');
      if (existsSync(manifest)) {
        versions[name] = (
          JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }
        ).version;
        break;
      }
    }
  }
  return versions;
}

/** The built entry point of one of a peer's parts: consumer.js, http.js or caller.js. */
export function peerEntry(peer: PeerName, part: 'consumer' | 'http' | 'caller'): string {
  return join(PEERS_DIR, peer, 'dist', 'bench', 'peers', peer, 'src', `${part}.js`);
}

/**
 * The peer's client (publisher and request/response caller) in the bench process, as ours and raw
 * run there: loaded from the peer's build, closed with the run.
 */
export async function openPeerCaller(
  scope: Scope,
  peer: PeerName,
  options: PeerCallerOptions,
): Promise<PeerCaller> {
  // A plain path: whether this import() stays one or becomes require() under ts-node, both take it.
  const { createCaller } = (await import(peerEntry(peer, 'caller'))) as PeerCallerModule;
  const caller = await createCaller(options);
  scope.defer(`close the ${PEER_LABELS[peer]} caller`, () => caller.close());
  return caller;
}
