// Writes the documents generated from the code:
//   npm run docs:asyncapi   docs/asyncapi.json and the contract table of
//                           docs/contracts-and-topology.md, from the contract registry
//   npm run docs:config     docs/configuration.md, from the env classes
//   npm run docs:check      writes nothing; fails when any of them is stale (--check)
// The unit tests check them too (generated-docs.spec.ts, libs/contracts/src/asyncapi.spec.ts).
// Usage: generate-docs.ts [docs:asyncapi|docs:config ...] [--check]   (none named: all of them)
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { GENERATED_DOCS, isUpToDate } from './generated-docs';

function main(): void {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const scripts = args.filter((arg) => arg !== '--check');
  const docs = GENERATED_DOCS.filter((doc) => scripts.length === 0 || scripts.includes(doc.script));
  if (docs.length === 0) {
    throw new Error(`No generated document for ${scripts.join(', ')}`);
  }
  for (const doc of docs) {
    const name = relative(process.cwd(), doc.path);
    const generated = doc.build();
    if (!check) {
      writeFileSync(doc.path, generated);
      console.log(`Wrote ${name}`);
    } else if (isUpToDate(doc, generated)) {
      console.log(`${name} is up to date.`);
    } else {
      console.error(`${name} is stale: run \`npm run ${doc.script}\` and commit it.`);
      process.exitCode = 1;
    }
  }
}

try {
  main();
} catch (error) {
  console.error(error);
  process.exit(1);
}
