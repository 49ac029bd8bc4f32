// The configuration reference, docs/configuration.md, built from the env classes the apps validate
// their environment with: the variables and their constraints from class-validator's metadata, the
// defaults from an instance of each class, the descriptions from the JSDoc above each property
// (read with the TypeScript compiler API). `npm run docs:config` writes it; `npm run docs:check`
// and scripts/generated-docs.spec.ts fail while it is stale.
import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import * as ts from 'typescript';
import type { UrlRule } from '@app/config';
import { MessagingEnv } from '@app/messaging';
import { DatabaseEnv } from '@app/persistence';
import { LoggingEnv } from '@app/platform';
import { ConsumerConfig, ConsumerSettings } from '../apps/consumer/src/config/consumer.config';
import { ConsumerEnv } from '../apps/consumer/src/config/consumer.env';
import { DeadLettersEnv } from '../apps/consumer/src/dead-letters/dead-letters.env';
import { ProducerConfig, ProducerSettings } from '../apps/producer/src/config/producer.config';
import { ProducerEnv } from '../apps/producer/src/config/producer.env';
import { SecurityEnv } from '../apps/producer/src/security/security.env';

const ROOT = join(__dirname, '..');

/** Where the reference is written. */
export const CONFIGURATION_DOC = join(ROOT, 'docs', 'configuration.md');

type EnvClass = new () => object;
/** One validator of a property, as class-validator stores it (its type is not exported). */
type ValidationMetadata = ReturnType<
  ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']
>[number];

/** An app, the class of every variable it validates, and how it reads them (to check defaults). */
export interface AppSettings {
  service: string;
  settings: EnvClass;
  /** The app's settings read from an empty environment: what it really runs with by default. */
  defaults: () => Record<string, unknown>;
}

/** The apps; a new one is added here. */
export const APPS: AppSettings[] = [
  {
    service: ProducerConfig.serviceName,
    settings: ProducerSettings,
    defaults: () => ({ ...ProducerConfig.fromEnv({}).env }),
  },
  {
    service: ConsumerConfig.serviceName,
    settings: ConsumerSettings,
    defaults: () => ({ ...ConsumerConfig.fromEnv({}).env }),
  },
];

/**
 * The concerns, one env class each, in the order the reference lists them. A new env class an app
 * reads is added here (the generator fails, naming its variables, until it is).
 */
export const SECTIONS: { title: string; env: EnvClass }[] = [
  { title: 'Broker and messaging', env: MessagingEnv },
  { title: 'Database', env: DatabaseEnv },
  { title: 'Logging', env: LoggingEnv },
  { title: 'HTTP server and orders', env: ProducerEnv },
  { title: 'API security', env: SecurityEnv },
  { title: 'HTTP server', env: ConsumerEnv },
  { title: 'Dead-letter admin API', env: DeadLettersEnv },
];

/** One environment variable as the reference describes it. */
export interface Variable {
  name: string;
  /** The class property's initial value; undefined when it has none. */
  defaultValue: unknown;
  /** The `@default` JSDoc tag: for a variable without an initial value, whose default is computed. */
  defaultText?: string;
  accepts: string;
  description: string;
  /** The services that read it. */
  readBy: string[];
}

/** One env class: its variables, where it is declared, who reads it. */
export interface Section {
  title: string;
  className: string;
  file: string;
  readBy: string[];
  variables: Variable[];
}

/** Reads every section off the env classes; throws when a variable is undocumented or unlisted. */
export function configurationSections(): Section[] {
  const declarations = classDeclarations();
  const readBy = (name: string) =>
    APPS.filter((app) => validatedProperties(app.settings).has(name)).map((app) => app.service);
  const sections = SECTIONS.map(({ title, env }): Section => {
    const declaration = declarations.get(env.name);
    if (!declaration) {
      throw new Error(`No declaration of the env class ${env.name} under apps/ or libs/`);
    }
    const instance = new env() as Record<string, unknown>;
    const metadata = validationMetadata(env);
    const variables = ownProperties(declaration.node).map((property): Variable => {
      const name = property.name.getText(declaration.source);
      const docs = jsDocOf(property);
      if (!docs.text) {
        throw new Error(
          `${name} (${env.name}) has no JSDoc comment: describe it above the property, ` +
            'for docs/configuration.md.',
        );
      }
      const defaultValue = instance[name];
      if (defaultValue !== undefined && docs.defaultTag !== undefined) {
        throw new Error(
          `${name} (${env.name}) has an initial value and a @default tag: keep the value only.`,
        );
      }
      return {
        name,
        defaultValue,
        defaultText: docs.defaultTag,
        accepts: describeAccepted(name, metadata.get(name) ?? [], property, defaultValue),
        description: docs.text,
        readBy: readBy(name),
      };
    });
    const readers = [...new Set(variables.flatMap((v) => v.readBy))];
    return {
      title,
      className: env.name,
      file: relative(ROOT, declaration.source.fileName),
      readBy: APPS.map((app) => app.service).filter((service) => readers.includes(service)),
      variables,
    };
  });
  const documented = new Set(sections.flatMap((s) => s.variables.map((v) => v.name)));
  for (const app of APPS) {
    const missing = [...validatedProperties(app.settings)].filter((name) => !documented.has(name));
    if (missing.length > 0) {
      throw new Error(
        `The ${app.service} reads ${missing.join(', ')}, which no section of ` +
          'scripts/config-reference.ts lists: add its env class to SECTIONS.',
      );
    }
  }
  for (const section of sections) {
    const unread = section.variables.filter((v) => v.readBy.length === 0).map((v) => v.name);
    if (unread.length > 0) {
      throw new Error(`No app reads ${unread.join(', ')} (${section.className})`);
    }
  }
  return sections;
}

/** The reference as Markdown (prettier formats it before it is written or compared). */
export function configurationReference(sections = configurationSections()): string {
  const groups = new Map<string, Section[]>();
  for (const section of sections) {
    const group =
      section.readBy.length === APPS.length ? 'Both services' : capitalize(section.readBy[0]);
    groups.set(group, [...(groups.get(group) ?? []), section]);
  }
  const out: string[] = [
    '# Configuration',
    '',
    '<!-- Generated by `npm run docs:config` from the env classes named below (their JSDoc, ' +
      'defaults and validators); edit those, not this file. `npm run docs:check` and the unit ' +
      'tests fail while it is stale. -->',
    '',
    'Each app reads its environment once, at start-up, into one validated configuration object ' +
      '(`ProducerConfig`, `ConsumerConfig`) that its modules receive through dependency injection; ' +
      'no module reads `process.env`. A missing or malformed value stops the app with the ' +
      "variable's name and what is wrong, never a secret (a URL is shown with its password " +
      'masked). URLs are parsed (scheme, host, port 1–65,535), files must be readable, a client ' +
      'certificate needs its key, and TLS files need `amqps://` URLs. An empty value counts as ' +
      'set, except where the table says otherwise.',
    '',
    'Where the variables come from: `npm start` passes its own environment and the variables of ' +
      "`.env`, if there is one, to both apps (the shell's win). `docker compose` gives both apps " +
      'every variable of `.env` and sets `RABBITMQ_URL`, `DATABASE_URL`, `PORT` and ' +
      '`CONSUMER_PORT` itself, which win over `.env`. [`.env.example`](../.env.example) lists ' +
      'every variable below at its default (generated with this page).',
    '',
    ...[...groups.keys()].map((group) => `- [${group}](#${anchor(group)})`),
    '- [Not read by the apps](#not-read-by-the-apps)',
    '',
  ];
  for (const [group, groupSections] of groups) {
    out.push(`## ${group}`, '');
    for (const section of groupSections) {
      out.push(
        `### ${section.title}`,
        '',
        `Declared in [\`${section.className}\`](../${section.file}).`,
        '',
        '| variable | default | accepts | meaning |',
        '| --- | --- | --- | --- |',
        ...section.variables.map(
          (v) =>
            `| \`${v.name}\` | ${cell(renderDefault(v))} | ${cell(v.accepts)} | ${cell(v.description)} |`,
        ),
        '',
      );
    }
  }
  out.push(
    '## Not read by the apps',
    '',
    '- Docker Compose: `RABBITMQ_USER`, `RABBITMQ_PASSWORD`, `RABBITMQ_ERLANG_COOKIE`, ' +
      '`POSTGRES_USER`, `POSTGRES_PASSWORD`, the host ports and `APP_ENV_FILE`, at the top of ' +
      '[`.env.example`](../.env.example); `APP_IMAGE` names the image.',
    '- The dead-letter CLI (`npm run dlq`): `CONSUMER_URL`, `ADMIN_TOKEN`, `DLQ_TIMEOUT_MS`, in ' +
      '[Operating it](operating.md#dead-letters).',
    '- The tests: `RABBITMQ_URL`, `DATABASE_URL`, `E2E_LOGS`, `FC_SEED`, in ' +
      '[Development](development.md#tests).',
    '- The benchmark: `BENCH_*`, in [bench/README.md](../bench/README.md).',
    '- The local cluster script: `CLUSTER_BASE_PORT`, `CLUSTER_DIR`, in ' +
      '[Scaling out](scaling-out.md#a-local-3-node-cluster-and-the-failover-test).',
    '',
  );
  return out.join('\n');
}

/** The variable names each validated settings class (with its intersections and parents) reads. */
function validatedProperties(settings: EnvClass): Set<string> {
  return new Set(validationMetadata(settings).keys());
}

function validationMetadata(target: EnvClass): Map<string, ValidationMetadata[]> {
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(target, '', true, false)) {
    byProperty.set(meta.propertyName, [...(byProperty.get(meta.propertyName) ?? []), meta]);
  }
  return byProperty;
}

/** What a variable accepts, in words, from its validators and transforms. */
function describeAccepted(
  name: string,
  metadata: ValidationMetadata[],
  property: ts.PropertyDeclaration,
  defaultValue: unknown,
): string {
  const transforms = decoratorNames(property);
  const list = transforms.has('ToList') || Array.isArray(defaultValue);
  const rules: string[] = [];
  const each: string[] = [];
  let min: number | undefined;
  let max: number | undefined;
  let kind = typeof defaultValue === 'number' || transforms.has('ToNumber') ? 'number' : 'text';
  for (const meta of metadata) {
    if (meta.type === ValidationTypes.CONDITIONAL_VALIDATION) {
      continue;
    }
    const [constraint] = (meta.constraints ?? []) as unknown[];
    const target = meta.each ? each : rules;
    switch (meta.name) {
      case 'isString':
        break;
      case 'isInt':
        kind = 'integer';
        break;
      case 'min':
        min = constraint as number;
        break;
      case 'max':
        max = constraint as number;
        break;
      case 'isIn':
        target.push(`one of ${(constraint as string[]).map((v) => `\`${v}\``).join(', ')}`);
        break;
      case 'matches':
        // `\/` is how a RegExp's source writes `/`; the slash alone reads better.
        target.push(`matching \`${(constraint as RegExp).source.replace(/\\\//g, '/')}\``);
        break;
      case 'minLength':
        target.push(`at least ${String(constraint)} characters`);
        break;
      case 'isNotEmpty':
        target.push('not empty');
        break;
      case 'isServiceUrl': {
        const { protocols, hostOptional } = constraint as UrlRule;
        // On a list, what each entry must be.
        (list ? each : target).push(
          `a URL (${protocols.map((p) => `\`${p}//\``).join(' or ')})` +
            (hostOptional ? '' : ' with a host') +
            ', port 1–65,535',
        );
        break;
      }
      case 'isReadableFile':
        target.push('a readable file');
        break;
      case 'setTogetherWith':
        target.push(`only with \`${String(constraint)}\``);
        break;
      case 'tlsWhenSet': {
        const [tls, files] = meta.constraints as [string, string[]];
        target.push(
          `all \`${tls}//\` when any of ${files.map((f) => `\`${f}\``).join(', ')} is set`,
        );
        break;
      }
      default:
        throw new Error(
          `${name}: scripts/config-reference.ts cannot describe the validator "${meta.name}" yet`,
        );
    }
  }
  const range =
    min !== undefined && max !== undefined
      ? `${grouped(min)}–${grouped(max)}`
      : min !== undefined
        ? `≥ ${grouped(min)}`
        : max !== undefined
          ? `≤ ${grouped(max)}`
          : undefined;
  // Sorted: the metadata's order follows decorator order, which may differ between compilers.
  rules.sort();
  each.sort();
  const parts: string[] = [];
  if (list) {
    parts.push(`comma-separated list${each.length > 0 ? `, each ${each.join(', ')}` : ''}`);
  } else if (kind !== 'text' || rules.length === 0) {
    parts.push(range ? `${kind}, ${range}` : kind);
  }
  parts.push(...rules);
  if (transforms.has('EmptyAsUndefined')) {
    parts.push('empty = unset');
  }
  return parts.join('; ');
}

function renderDefault(variable: Variable): string {
  const written = writtenDefault(variable);
  return written === undefined ? (variable.defaultText ?? 'unset') : `\`${written}\``;
}

/** A variable's default as it would be written in the environment (a list comma-separated). */
export function writtenDefault(variable: Variable): string | undefined {
  const value = variable.defaultValue;
  if (value === undefined) {
    return undefined;
  }
  return Array.isArray(value)
    ? value.join(',')
    : typeof value === 'string'
      ? value
      : JSON.stringify(value);
}

interface Declaration {
  node: ts.ClassDeclaration;
  source: ts.SourceFile;
}

/** Every class declared in apps/*\/src and libs/*\/src (tests excluded), by name. */
function classDeclarations(): Map<string, Declaration> {
  const found = new Map<string, Declaration>();
  const duplicates = new Set<string>();
  for (const file of sourceFiles([join(ROOT, 'apps'), join(ROOT, 'libs')])) {
    const source = ts.createSourceFile(
      file,
      readFileSync(file, 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    for (const statement of source.statements) {
      if (ts.isClassDeclaration(statement) && statement.name) {
        const name = statement.name.text;
        if (found.has(name)) {
          duplicates.add(name);
        }
        found.set(name, { node: statement, source });
      }
    }
  }
  for (const name of duplicates) {
    found.delete(name);
  }
  return found;
}

function sourceFiles(dirs: string[]): string[] {
  const files: string[] = [];
  for (const dir of dirs) {
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      const path = join(entry.parentPath, entry.name);
      if (
        entry.isFile() &&
        entry.name.endsWith('.ts') &&
        !entry.name.endsWith('.spec.ts') &&
        !entry.name.endsWith('.d.ts') &&
        path.includes(`${sep}src${sep}`)
      ) {
        files.push(path);
      }
    }
  }
  return files.sort();
}

/** The properties a class declares itself, in source order (not those it inherits). */
function ownProperties(node: ts.ClassDeclaration): ts.PropertyDeclaration[] {
  return node.members.filter(
    (member): member is ts.PropertyDeclaration =>
      ts.isPropertyDeclaration(member) &&
      !member.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword),
  );
}

function decoratorNames(property: ts.PropertyDeclaration): Set<string> {
  const names = new Set<string>();
  for (const decorator of ts.getDecorators(property) ?? []) {
    const call = decorator.expression;
    const callee = ts.isCallExpression(call) ? call.expression : call;
    if (ts.isIdentifier(callee)) {
      names.add(callee.text);
    }
  }
  return names;
}

/** The JSDoc text above a property, on one line, and its `@default` tag. */
function jsDocOf(property: ts.PropertyDeclaration): { text: string; defaultTag?: string } {
  const docs = ts.getJSDocCommentsAndTags(property).filter(ts.isJSDoc);
  const oneLine = (text: string | undefined) => (text ?? '').replace(/\s+/g, ' ').trim();
  const text = oneLine(docs.map((doc) => ts.getTextOfJSDocComment(doc.comment)).join(' '));
  const tag = docs.flatMap((doc) => doc.tags ?? []).find((t) => t.tagName.text === 'default');
  return {
    text,
    ...(tag ? { defaultTag: oneLine(ts.getTextOfJSDocComment(tag.comment)) } : {}),
  };
}

/** A table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function grouped(value: number): string {
  return value.toLocaleString('en-US');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** GitHub's heading anchor. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}
