// Installs bench/peers' locked dependencies (npm ci: both peers are npm workspaces of this package)
// unless node_modules is newer than package-lock.json: npm ci writes
// node_modules/.package-lock.json when it is done. `npm run bench` and `npm run typecheck:peers`
// call it, so a fresh clone needs no step of its own.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const lockfile = new URL('package-lock.json', import.meta.url);
const installed = new URL('node_modules/.package-lock.json', import.meta.url);

if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lockfile).mtimeMs) {
  console.log("Installing the bench peers' dependencies (npm ci in bench/peers)...");
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
