// Builds an app with the Nest CLI unless its compiled entry point is newer than every source file.
// Usage: node scripts/build-if-stale.mjs producer|consumer
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where `nest build <app>` puts the app's entry point. */
export const entryPoint = (app) => join(ROOT, 'dist', 'apps', app, 'apps', app, 'src', 'main.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      newest = Math.max(newest, newestSource(path));
    } else if (entry.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** Builds `app` if needed; returns false when the build failed. */
export function ensureBuilt(app) {
  const entry = entryPoint(app);
  const newest = Math.max(
    newestSource(join(ROOT, 'apps', app, 'src')),
    newestSource(join(ROOT, 'libs')),
  );
  if (existsSync(entry) && statSync(entry).mtimeMs >= newest) {
    return true;
  }
  console.log(`Building ${app}...`);
  return spawnSync('npx', ['nest', 'build', app], { cwd: ROOT, stdio: 'inherit' }).status === 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const apps = process.argv.slice(2);
  process.exit(apps.every(ensureBuilt) ? 0 : 1);
}
