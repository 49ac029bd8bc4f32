// Starts the producer, the consumer, or both against the broker in RABBITMQ_URL.
// Usage: node scripts/start.mjs [producer|consumer] [--watch]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const APPS = ['producer', 'consumer'];
const args = process.argv.slice(2);
const watch = args.includes('--watch');
const selected = args.filter((a) => APPS.includes(a));
const apps = selected.length > 0 ? selected : APPS;
const entry = (app) => join('dist', 'apps', app, 'apps', app, 'src', 'main.js');

/** Newest modification time of the sources an app is built from. */
function newestSource(dir) {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name);
    if (name.isDirectory()) {
      newest = Math.max(newest, newestSource(path));
    } else if (name.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

const children = [];
for (const app of apps) {
  if (watch) {
    children.push(spawn('npx', ['nest', 'start', app, '--watch'], { stdio: 'inherit' }));
    continue;
  }
  const stale =
    !existsSync(entry(app)) ||
    statSync(entry(app)).mtimeMs < Math.max(newestSource(join('apps', app)), newestSource('libs'));
  if (stale) {
    console.log(`Building ${app}...`);
    const build = spawnSync('npx', ['nest', 'build', app], { stdio: 'inherit' });
    if (build.status !== 0) {
      process.exit(build.status ?? 1);
    }
  }
  children.push(
    spawn(process.execPath, ['--enable-source-maps', entry(app)], { stdio: 'inherit' }),
  );
}

// Forward Ctrl-C / SIGTERM so each app drains and exits on its own.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => children.forEach((child) => child.kill(signal)));
}
let exitCode = 0;
let running = children.length;
for (const child of children) {
  child.on('exit', (code) => {
    exitCode ||= code ?? 0;
    if (--running === 0) {
      process.exit(exitCode);
    }
    // One app died: stop the other too rather than run half a system.
    children.forEach((other) => other !== child && other.kill('SIGTERM'));
  });
}
