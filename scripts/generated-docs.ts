// The documents generated from the code, how each is built, and how a checked-in copy is compared
// with a fresh one. Used by scripts/generate-docs.ts (npm run docs:*) and generated-docs.spec.ts.
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { buildAsyncApiDocument } from '@app/contracts';
import { CONFIGURATION_DOC, configurationReference } from './config-reference';
import { withContractTable } from './contract-table';
import { ENV_EXAMPLE, withEnvExample } from './env-example';

const ROOT = join(__dirname, '..');

/** A generated document: `npm run docs:<group>` writes it. */
export interface GeneratedDoc {
  path: string;
  /** The npm script that writes it. */
  script: 'docs:asyncapi' | 'docs:config';
  /** Its up-to-date content, formatted as `prettier --check .` (CI) expects it. */
  build(): string;
  /** Whether the checked-in content is up to date. */
  matches(checkedIn: string, generated: string): boolean;
}

const sameText = (checkedIn: string, generated: string) => checkedIn === generated;

export const GENERATED_DOCS: GeneratedDoc[] = [
  {
    path: join(ROOT, 'docs', 'asyncapi.json'),
    script: 'docs:asyncapi',
    build() {
      return prettier(JSON.stringify(buildAsyncApiDocument(), null, 2), this.path);
    },
    // Compares documents, not text: the order of a schema's keywords follows decorator order,
    // which differs between compilers (tsc under ts-node here, swc in Jest), and means nothing.
    matches: (checkedIn, generated) =>
      isDeepStrictEqual(JSON.parse(checkedIn), JSON.parse(generated)),
  },
  {
    path: join(ROOT, 'docs', 'contracts-and-topology.md'),
    script: 'docs:asyncapi',
    build() {
      return prettier(withContractTable(readFileSync(this.path, 'utf8')), this.path);
    },
    matches: sameText,
  },
  {
    path: CONFIGURATION_DOC,
    script: 'docs:config',
    build() {
      return prettier(configurationReference(), this.path);
    },
    matches: sameText,
  },
  {
    // Not formatted: prettier has no parser for .env files.
    path: ENV_EXAMPLE,
    script: 'docs:config',
    build() {
      return withEnvExample(readFileSync(this.path, 'utf8'));
    },
    matches: sameText,
  },
];

/** Whether `doc` is checked in and up to date. */
export function isUpToDate(doc: GeneratedDoc, generated = doc.build()): boolean {
  return existsSync(doc.path) && doc.matches(readFileSync(doc.path, 'utf8'), generated);
}

/**
 * Formats with the project's prettier, through its CLI: prettier's API loads its plugins with a
 * dynamic import, which Jest cannot run without --experimental-vm-modules.
 */
export function prettier(text: string, filepath: string): string {
  const bin = join(dirname(require.resolve('prettier/package.json')), 'bin', 'prettier.cjs');
  const result = spawnSync(process.execPath, [bin, '--stdin-filepath', filepath], {
    cwd: ROOT,
    input: text,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`prettier failed on ${filepath}: ${result.stderr || String(result.error)}`);
  }
  return result.stdout;
}
