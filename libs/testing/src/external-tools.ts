import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** A program nobody here wrote, that an interop test drives. */
export interface ExternalTool {
  /** What the test needs, as a person would say it. */
  description: string;
  /** The Debian package that brings it (`.ci/run` installs it when missing). */
  debianPackage: string;
  /** True when it is there and works. */
  available: () => boolean;
}

/** Debian's Python, the one `python3-pika` installs into (a pyenv `python3` on PATH would not see it). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
/** Debian's Chromium. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

const runs = (command: string, args: string[]): boolean =>
  spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;

export const PYTHON_PIKA: ExternalTool = {
  description: `Python pika (${DEBIAN_PYTHON} with pika)`,
  debianPackage: 'python3-pika',
  available: () => runs(DEBIAN_PYTHON, ['-c', 'import pika']),
};

export const AMQP_TOOLS: ExternalTool = {
  description: 'amqp-publish and amqp-consume',
  debianPackage: 'amqp-tools',
  available: () => runs('sh', ['-c', 'command -v amqp-publish && command -v amqp-consume']),
};

export const CHROMIUM: ExternalTool = {
  description: `Chromium (${DEBIAN_CHROMIUM})`,
  debianPackage: 'chromium',
  available: () => existsSync(DEBIAN_CHROMIUM),
};

/** CI sets CI=true; .ci/run installs every {@link ExternalTool}, so there a missing one is a failure. */
const inCi = (): boolean => !!process.env.CI && process.env.CI !== 'false';

/**
 * `describe` for a suite that needs programs we did not write. When one is missing: in CI the
 * suite fails with a test that names the package to install (a silent skip would let the interop
 * tests stop running unnoticed); on a developer's machine it is skipped with a warning that says
 * the same, so the rest of `npm test` still runs there.
 */
export function describeWithTools(tools: ExternalTool[], title: string, body: () => void): void {
  const missing = tools.filter((tool) => !tool.available());
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const why =
    `${missing.map((tool) => tool.description).join(' and ')} missing: ` +
    `apt-get install ${missing.map((tool) => tool.debianPackage).join(' ')} (.ci/run does it)`;
  if (inCi()) {
    describe(title, () => {
      it(`needs ${missing.map((tool) => tool.description).join(' and ')}`, () => {
        throw new Error(why);
      });
    });
    return;
  }
  console.warn(`Skipping "${title}": ${why}`);
  describe.skip(title, body);
}
