import { spread, type Spread } from './stats';

/** How a metric is printed. */
export type Unit = 'rate' | 'ms' | 'MB' | 's' | 'count' | 'µs' | '%' | 'factor';

/** A target on the ratio of medians, ours / baseline (raw, or the section's other column). */
export interface Target {
  op: '>=' | '<=';
  value: number;
}

/** One line of a results table. */
export interface Row {
  metric: string;
  unit: Unit;
  ours?: Spread;
  raw?: Spread;
  /** median(ours) / median(raw). */
  ratio?: number;
  target?: Target;
  /** Whether the ratio meets the target. */
  met?: boolean;
  note?: string;
}

/** A titled table of rows. */
export interface Section {
  title: string;
  /** The two compared columns when not the default ones (e.g. ours vs plain Nest). */
  header?: [string, string];
  rows: Row[];
}

/** The metric's name with its unit, as the tables print it (rates, counts, factors have none). */
function label(row: Row): string {
  return ['rate', 'count', 'factor'].includes(row.unit)
    ? row.metric
    : `${row.metric} (${row.unit})`;
}

/** Builds a row from per-run values; the ratio is taken when both sides have values. */
export function row(
  metric: string,
  unit: Unit,
  ours: (number | undefined)[] | undefined,
  raw?: (number | undefined)[],
  { target, note, ratio = true }: { target?: Target; note?: string; ratio?: boolean } = {},
): Row {
  const result: Row = { metric, unit, note };
  const measured = (values: (number | undefined)[] | undefined) =>
    (values ?? []).filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (measured(ours).length > 0) {
    result.ours = spread(measured(ours));
  }
  if (measured(raw).length > 0) {
    result.raw = spread(measured(raw));
  }
  if (ratio && result.ours && result.raw && result.raw.median !== 0) {
    result.ratio = result.ours.median / result.raw.median;
    if (target && Number.isFinite(result.ratio)) {
      result.target = target;
      result.met = target.op === '>=' ? result.ratio >= target.value : result.ratio <= target.value;
    }
  }
  if (target && result.target === undefined) {
    result.target = target;
  }
  return result;
}

export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) {
    return 'n/a';
  }
  switch (unit) {
    case 'rate':
    case 'count':
    case 'µs':
      return Math.round(value).toLocaleString('en-US');
    case 'ms':
      return value < 10 ? value.toFixed(2) : value.toFixed(1);
    case 'MB':
      return value.toFixed(0);
    case 's':
    case '%':
      return value.toFixed(1);
    case 'factor':
      return `${value.toFixed(2)}×`;
  }
}

function formatSpread(value: Spread | undefined, unit: Unit): string {
  if (!value) {
    return '—';
  }
  if (value.values.length === 1) {
    return formatValue(value.median, unit);
  }
  return [value.min, value.median, value.max].map((v) => formatValue(v, unit)).join(' / ');
}

function formatTarget(row: Row): string {
  if (!row.target) {
    return '';
  }
  const wanted = `${row.target.op === '>=' ? '≥' : '≤'} ${row.target.value.toFixed(2)}×`;
  if (row.met === undefined) {
    return `${wanted}  n/a`;
  }
  return `${wanted}  ${row.met ? 'met' : 'MISSED'}`;
}

/** Renders a section as a fixed-width text table. */
export function renderSection(section: Section, defaultHeader: [string, string]): string {
  const header = section.header ?? defaultHeader;
  const lines: string[][] = [
    [
      'metric',
      `${header[0]} (min / median / max)`,
      `${header[1]} (min / median / max)`,
      'ratio',
      'target',
    ],
    ...section.rows.map((r) => [
      label(r),
      formatSpread(r.ours, r.unit),
      formatSpread(r.raw, r.unit),
      r.ratio === undefined || !Number.isFinite(r.ratio) ? '' : `${r.ratio.toFixed(2)}×`,
      formatTarget(r),
    ]),
  ];
  const widths = lines[0].map((_, column) => Math.max(...lines.map((line) => line[column].length)));
  const render = (line: string[]) =>
    line
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
      )
      .join('   ')
      .trimEnd();
  const notes = section.rows.filter((r) => r.note).map((r) => `  * ${r.metric}: ${r.note}`);
  return [
    `\n${section.title}`,
    render(lines[0]),
    widths.map((w) => '-'.repeat(w)).join('   '),
    ...lines.slice(1).map(render),
    ...notes,
  ].join('\n');
}

/** Renders a section as a Markdown table (for bench/README.md). */
export function renderMarkdown(section: Section, defaultHeader: [string, string]): string {
  const header = section.header ?? defaultHeader;
  const lines = [
    `**${section.title}**`,
    '',
    `| metric | ${header[0]} min / median / max | ${header[1]} min / median / max | ratio | target |`,
    '| --- | ---: | ---: | ---: | --- |',
    ...section.rows.map(
      (r) =>
        `| ${label(r)} | ` +
        `${formatSpread(r.ours, r.unit)} | ${formatSpread(r.raw, r.unit)} | ` +
        `${r.ratio === undefined || !Number.isFinite(r.ratio) ? '' : `${r.ratio.toFixed(2)}×`} | ` +
        `${formatTarget(r)} |`,
    ),
  ];
  return lines.join('\n');
}
