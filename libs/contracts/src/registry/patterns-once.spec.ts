import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { allContracts } from '../contracts';

const ROOT = join(__dirname, '..', '..', '..', '..');
const REGISTRY = 'libs/contracts/src/contracts.ts';

/**
 * The sources of the apps and libraries: `apps/*\/src` and `libs/*\/src`, without specs and without
 * the test kit (libs/testing). Tests (`test/`), the docs and the generated docs/asyncapi.json live
 * outside these folders.
 */
function sourceFiles(): string[] {
  const files: string[] = [];
  for (const base of ['apps', 'libs']) {
    for (const project of readdirSync(join(ROOT, base))) {
      if (base === 'libs' && project === 'testing') {
        continue;
      }
      collect(join(ROOT, base, project, 'src'), files);
    }
  }
  return files;
}

function collect(dir: string, files: string[]): void {
  if (!existsSync(dir)) {
    return;
  }
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      collect(path, files);
    } else if (!/\.spec\.ts$/.test(entry.name)) {
      files.push(path);
    }
  }
}

/** Where `pattern` is written out, as `path:line`; `order.placed.v1` does not match `order.placed.v10`. */
function occurrences(pattern: string, files: string[]): string[] {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const literal = new RegExp(`(?<![\\w.-])${escaped}(?![\\w-])`);
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, index) =>
        literal.test(line) ? [`${relative(ROOT, file)}:${index + 1}`] : [],
      ),
  );
}

describe('each pattern string', () => {
  const files = sourceFiles();

  it('is looked for in the registry and the apps', () => {
    const scanned = files.map((file) => relative(ROOT, file));
    expect(scanned).toContain(REGISTRY);
    expect(scanned.some((file) => file.startsWith('apps/producer/src/'))).toBe(true);
    expect(scanned.some((file) => file.startsWith('apps/consumer/src/'))).toBe(true);
  });

  it.each(allContracts().map((contract) => contract.pattern))(
    'appears once in the sources outside tests, in the registry: %s',
    (pattern) => {
      expect(occurrences(pattern, files)).toEqual([
        expect.stringMatching(new RegExp(`^${REGISTRY}:\\d+$`)),
      ]);
    },
  );
});
