import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { APPS, configurationSections, writtenDefault } from './config-reference';
import { ENV_EXAMPLE, ENV_EXAMPLE_MARKER } from './env-example';
import { GENERATED_DOCS, isUpToDate } from './generated-docs';

describe('generated documents', () => {
  it.each(GENERATED_DOCS.map((doc) => [relative(process.cwd(), doc.path), doc] as const))(
    '%s is up to date (run the npm script the failure names, and commit the result)',
    (name, doc) => {
      expect([name, isUpToDate(doc) ? 'up to date' : `stale: run npm run ${doc.script}`]).toEqual([
        name,
        'up to date',
      ]);
    },
    // Each build formats with prettier in a child process; the AsyncAPI one also builds schemas.
    30_000,
  );
});

describe('docs/configuration.md', () => {
  const sections = configurationSections();
  const documented = sections.flatMap((section) => section.variables);

  it.each(APPS.map((app) => [app.service, app] as const))(
    'lists every variable the %s reads, with the default it really runs with',
    (service, app) => {
      const actual = app.defaults();
      const readHere = documented.filter((variable) => variable.readBy.includes(service));

      const names = readHere.map((v) => v.name);
      // Every setting the app's config holds is documented (unset optional ones hold no key).
      expect(Object.keys(actual).filter((name) => !names.includes(name))).toEqual([]);
      for (const variable of readHere) {
        expect([variable.name, variable.defaultValue]).toEqual([
          variable.name,
          actual[variable.name],
        ]);
      }
    },
  );

  it('describes every variable, and says what an unset one without a value means', () => {
    for (const variable of documented) {
      expect([variable.name, variable.description.length > 10]).toEqual([variable.name, true]);
    }
    expect(documented.find((v) => v.name === 'RABBITMQ_QUEUE')?.defaultText).toMatch(/service/);
  });
});

describe('.env.example', () => {
  const example = readFileSync(ENV_EXAMPLE, 'utf8');
  const [compose, apps] = example.split(ENV_EXAMPLE_MARKER);
  const variables = configurationSections().flatMap((section) => section.variables);

  it('lists every variable of the env classes once, commented out at its default', () => {
    const listed = [...apps.matchAll(/^# ([A-Z][A-Z0-9_]*)=(.*)$/gm)].map(([, name, value]) => [
      name,
      value,
    ]);
    expect(listed).toEqual(variables.map((v) => [v.name, writtenDefault(v) ?? '']));
  });

  it('keeps the compose variables at the top, set, and no app variable among them', () => {
    const set = [...compose.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(([, name]) => name);
    expect(set).toEqual(expect.arrayContaining(['RABBITMQ_PASSWORD', 'POSTGRES_PASSWORD']));
    expect(set.filter((name) => variables.some((v) => v.name === name))).toEqual([]);
  });
});
