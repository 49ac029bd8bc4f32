import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import * as ts from 'typescript';
import { ROOT, TRANSPILE_OPTIONS } from './processes';

/** The bench-only apps under bench/apps/ (see bench/README.md, workload 1b). */
export type BenchApp = 'consumer-no-db';

/** Entries built in this bench process, by app root and app: each is built once. */
const builds = new Map<string, string>();

/** The app whose build a bench app runs on: its modules come from that app's dist/. */
const BUILT_APP = 'consumer';

/**
 * Transpiles `bench/apps/<app>/*.ts` into `<appRoot>/dist/bench/<app>/` and returns its entry.
 * Every import of the app's or the libraries' code (an `@app/*` alias, or a relative path into
 * `apps/consumer/src`) is pointed at the consumer's own build, so the bench app runs the very modules
 * the consumer runs (one copy of each class, one Nest) rather than a second compilation of them.
 */
export function buildBenchApp(app: BenchApp, appRoot: string): string {
  const key = `${appRoot}\n${app}`;
  const done = builds.get(key);
  if (done) {
    return done;
  }
  const source = join(ROOT, 'bench', 'apps', app);
  const target = join(appRoot, 'dist', 'bench', app);
  const built = join(appRoot, 'dist', 'apps', BUILT_APP);
  if (!existsSync(built)) {
    throw new Error(`${built} is missing; run node scripts/build-if-stale.mjs ${BUILT_APP}`);
  }
  const aliases = pathAliases();
  mkdirSync(target, { recursive: true });
  for (const file of readdirSync(source).filter((name) => name.endsWith('.ts'))) {
    const fileName = join(source, file);
    const { outputText } = ts.transpileModule(readFileSync(fileName, 'utf8'), {
      compilerOptions: TRANSPILE_OPTIONS,
      fileName,
    });
    const rewritten = outputText.replace(
      /require\("([^"]+)"\)/g,
      (_, specifier: string) =>
        `require(${JSON.stringify(resolveSpecifier(specifier, fileName, source, built, aliases))})`,
    );
    writeFileSync(join(target, file.replace(/\.ts$/, '.js')), rewritten);
  }
  const entry = join(target, 'main.js');
  builds.set(key, entry);
  return entry;
}

/** tsconfig.json's `paths`: alias → folder, relative to the repository. */
function pathAliases(): Map<string, string> {
  const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) =>
    readFileSync(path, 'utf8'),
  ) as { config?: { compilerOptions?: { paths?: Record<string, string[]> } } };
  const paths = config?.compilerOptions?.paths ?? {};
  return new Map(Object.entries(paths).map(([alias, [folder]]) => [alias, folder]));
}

/** Where an import of a bench app resolves: its own files stay, the app's go to its build. */
function resolveSpecifier(
  specifier: string,
  fileName: string,
  source: string,
  built: string,
  aliases: Map<string, string>,
): string {
  const alias = aliases.get(specifier);
  if (alias !== undefined) {
    return compiled(resolve(ROOT, alias), built);
  }
  if (!specifier.startsWith('.')) {
    return specifier;
  }
  const absolute = resolve(dirname(fileName), specifier);
  if (absolute.startsWith(source + sep)) {
    return specifier;
  }
  return compiled(absolute, built);
}

/** The compiled module of a source path (a file without extension, or a folder's index). */
function compiled(sourcePath: string, built: string): string {
  const path = relative(ROOT, sourcePath);
  if (
    path.startsWith('..') ||
    !(path.startsWith(join('apps', BUILT_APP)) || path.startsWith('libs'))
  ) {
    throw new Error(`a bench app may import only the ${BUILT_APP} app and the libraries: ${path}`);
  }
  const file = join(built, `${path}.js`);
  return existsSync(file) ? file : join(built, path, 'index.js');
}
