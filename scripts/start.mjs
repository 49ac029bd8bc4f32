// Starts the producer, the consumer, or both against the broker in RABBITMQ_URL.
// Usage: node scripts/start.mjs [producer|consumer] [--watch]
import { spawn } from 'node:child_process';
import { ensureBuilt, entryPoint } from './build-if-stale.mjs';

const APPS = ['producer', 'consumer'];
const args = process.argv.slice(2);
const watch = args.includes('--watch');
const selected = args.filter((a) => APPS.includes(a));
const apps = selected.length > 0 ? selected : APPS;

// Build everything first, so a failed build never leaves the other app running alone.
if (!watch && !apps.every((app) => ensureBuilt(app))) {
  process.exit(1);
}
const children = apps.map((app) =>
  watch
    ? spawn('npx', ['nest', 'start', app, '--watch'], { stdio: 'inherit' })
    : // A .env (see .env.example) sets any app variable; the shell's own variables win over it.
      spawn(
        process.execPath,
        ['--env-file-if-exists=.env', '--enable-source-maps', entryPoint(app)],
        {
          stdio: 'inherit',
        },
      ),
);

// Forward Ctrl-C / SIGTERM so each app drains and exits on its own.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => children.forEach((child) => child.kill(signal)));
}
let exitCode = 0;
let running = children.length;
for (const child of children) {
  child.on('exit', (code, signal) => {
    // The apps exit 0 after a graceful stop; killed by a signal is a failure.
    exitCode ||= code ?? (signal ? 1 : 0);
    if (--running === 0) {
      process.exit(exitCode);
    }
    // One app stopped: stop the other too rather than run half a system.
    children.forEach((other) => other !== child && other.kill('SIGTERM'));
  });
}
