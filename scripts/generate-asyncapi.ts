// Writes docs/asyncapi.json from the message contracts (`npm run docs:asyncapi`); with --check it
// only fails when the checked-in file is stale (`npm run docs:check`). A unit test checks it too.
import 'reflect-metadata';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { buildAsyncApiDocument } from '@app/contracts';

const target = join(__dirname, '..', 'docs', 'asyncapi.json');
const name = relative(process.cwd(), target);

async function main(): Promise<void> {
  // Formatted as `prettier --check .` (CI) expects it.
  const json = await format(JSON.stringify(buildAsyncApiDocument(), null, 2), {
    ...(await resolveConfig(target)),
    filepath: target,
  });
  if (!process.argv.includes('--check')) {
    writeFileSync(target, json);
    console.log(`Wrote ${name}`);
  } else if (!existsSync(target) || !sameDocument(readFileSync(target, 'utf8'), json)) {
    console.error(`${name} is stale: run \`npm run docs:asyncapi\` and commit it.`);
    process.exitCode = 1;
  } else {
    console.log(`${name} is up to date.`);
  }
}

/**
 * Compares documents, not text: the order of a schema's keywords follows decorator order, which
 * differs between compilers (tsc under ts-node here, swc in Jest), and means nothing.
 */
function sameDocument(checkedIn: string, generated: string): boolean {
  return isDeepStrictEqual(JSON.parse(checkedIn), JSON.parse(generated));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
