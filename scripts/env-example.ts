// The app part of .env.example, built from the env classes like docs/configuration.md: every
// variable an app reads, commented out at its default, under its description. The compose part
// above the marker is written by hand. `npm run docs:config` writes it; `npm run docs:check` and
// scripts/generated-docs.spec.ts fail while it is stale.
import { join } from 'node:path';
import { APPS, configurationSections, writtenDefault, type Section } from './config-reference';

/** Where it is written. */
export const ENV_EXAMPLE = join(__dirname, '..', '.env.example');

/** Everything below this line is generated; everything above it is written by hand. */
export const ENV_EXAMPLE_MARKER =
  "# ---- The apps' variables (generated from their env classes by `npm run docs:config`; edit those) ----";

const WIDTH = 100;

/** `.env.example` with its generated part replaced by the current one. */
export function withEnvExample(current: string, sections = configurationSections()): string {
  const at = current.indexOf(ENV_EXAMPLE_MARKER);
  if (at < 0) {
    throw new Error(`.env.example has no line "${ENV_EXAMPLE_MARKER}" to generate below`);
  }
  return current.slice(0, at) + envExampleSection(sections);
}

/** The generated part: the marker, then each section's variables, commented out at their defaults. */
export function envExampleSection(sections: Section[]): string {
  const out = [
    ENV_EXAMPLE_MARKER,
    ...comment(
      'Uncomment a line to change the setting; each shows the default. `npm start` reads this ' +
        'file (as .env), and compose gives it to both apps (APP_ENV_FILE above). The full ' +
        'reference, with what each accepts: docs/configuration.md.',
    ),
  ];
  for (const section of sections) {
    const readers =
      section.readBy.length === APPS.length ? 'both apps' : `the ${section.readBy.join(', ')} only`;
    out.push('', `# == ${section.title} (${readers}) ==`);
    for (const variable of section.variables) {
      const written = writtenDefault(variable);
      const description =
        written === undefined
          ? `${variable.description} Default: ${variable.defaultText ?? 'unset'}.`
          : variable.description;
      out.push('', ...comment(description), `# ${variable.name}=${written ?? ''}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Text as `#` comment lines of at most WIDTH characters (a longer word gets a line of its own). */
function comment(text: string): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '#' && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return line === '#' ? lines : [...lines, line];
}
