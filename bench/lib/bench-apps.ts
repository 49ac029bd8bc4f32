import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import * as ts from 'typescript';
import { ROOT, TRANSPILE_OPTIONS } from './processes';

/**
 * The bench-only apps under bench/apps/ (see bench/README.md, workloads 1b and 2), each with the app
 * whose build it runs on: its modules come from that app's dist/.
 */
const BUILT_ON = {
  'consumer-no-db': 'consumer',
  'producer-no-db': 'producer',
} as const satisfies Record<string, 'producer' | 'consumer'>;

export type BenchApp = keyof typeof BUILT_ON;

/** The app a bench app is built on (and so runs as: its queue, its port variable). */
export function benchAppBuiltOn(app: BenchApp): (typeof BUILT_ON)[BenchApp] {
  return BUILT_ON[app];
}

/** Entries built in this bench process, by app root and app: each is built once. */
const builds = new Map<string, string>();

/**
 * Transpiles `bench/apps/<app>/*.ts` into `<appRoot>/dist/bench/<app>/` and returns its entry.
 * Every import of the app's or the libraries' code (an `@app/*` alias, or a relative path into
 * `apps/<built-on>/src`) is pointed at the build of the app it is built on, so the bench app runs
 * the very modules that app runs (one copy of each class, one Nest) rather than a second
 * compilation of them.
 */
export function buildBenchApp(app: BenchApp, appRoot: string): string {
  const key = `${appRoot}\n${app}`;
  const done = builds.get(key);
  if (done) {
    return done;
  }
  const source = join(ROOT, 'bench', 'apps', app);
  const target = join(appRoot, 'dist', 'bench', app);
  const builtOn = benchAppBuiltOn(app);
  const built = join(appRoot, 'dist', 'apps', builtOn);
  if (!existsSync(built)) {
    throw new Error(`${built} is missing; run node scripts/build-if-stale.mjs ${builtOn}`);
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
        `require(${JSON.stringify(resolveSpecifier(specifier, fileName, source, { builtOn, built }, aliases))})`,
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
  build: Build,
  aliases: Map<string, string>,
): string {
  const alias = aliases.get(specifier);
  if (alias !== undefined) {
    return compiled(resolve(ROOT, alias), build);
  }
  if (!specifier.startsWith('.')) {
    return specifier;
  }
  const absolute = resolve(dirname(fileName), specifier);
  if (absolute.startsWith(source + sep)) {
    return specifier;
  }
  return compiled(absolute, build);
}

/** The app a bench app is built on, and that app's build folder. */
interface Build {
  builtOn: ReturnType<typeof benchAppBuiltOn>;
  built: string;
}

/** The compiled module of a source path (a file without extension, or a folder's index). */
function compiled(sourcePath: string, { builtOn, built }: Build): string {
  const path = relative(ROOT, sourcePath);
  if (
    path.startsWith('..') ||
    !(path.startsWith(join('apps', builtOn) + sep) || path.startsWith('libs' + sep))
  ) {
    throw new Error(`a bench app may import only the ${builtOn} app and the libraries: ${path}`);
  }
  const file = join(built, `${path}.js`);
  return existsSync(file) ? file : join(built, path, 'index.js');
}
