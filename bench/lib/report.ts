import { spread, type Spread } from './stats';

/** How a metric is printed. */
export type Unit = 'rate' | 'ms' | 'MB' | 's' | 'count' | 'µs' | '%' | 'factor';

/**
 * A target on a ratio of medians: ours (the first column) over another column's median, or over the
 * best of several columns (the highest for `>=`, the lowest for `<=`: "the faster peer", "the lower
 * peer p99").
 */
export interface Target {
  op: '>=' | '<=';
  value: number;
  /** Column indexes (1 = the first column after ours). */
  against: number[];
}

/** A target and how this row fares against it. */
export interface TargetResult extends Target {
  /** median(ours) / the baseline's median. */
  ratio?: number;
  met?: boolean;
}

/** One line of a results table. */
export interface Row {
  metric: string;
  unit: Unit;
  /** One spread per column (undefined where the column has no value). */
  values: (Spread | undefined)[];
  /** median(ours) / median(column k) for every column k after the first. */
  ratios: (number | undefined)[];
  targets: TargetResult[];
  note?: string;
}

/** A titled table of rows, with notes printed under it (e.g. what a column does not promise). */
export interface Section {
  title: string;
  /** The compared columns; the first is ours, and the ratios are taken against it. */
  columns: string[];
  rows: Row[];
  notes?: string[];
}

/** The metric's name with its unit, as the tables print it (rates, counts, factors have none). */
function label(row: Row): string {
  return ['rate', 'count', 'factor'].includes(row.unit)
    ? row.metric
    : `${row.metric} (${row.unit})`;
}

/** Builds a row from per-run values, one list per column; ratios are taken against the first. */
export function row(
  metric: string,
  unit: Unit,
  columns: ((number | undefined)[] | undefined)[],
  { targets = [], note, ratio = true }: { targets?: Target[]; note?: string; ratio?: boolean } = {},
): Row {
  const values = columns.map((column) => {
    const measured = (column ?? []).filter(
      (v): v is number => v !== undefined && Number.isFinite(v),
    );
    return measured.length > 0 ? spread(measured) : undefined;
  });
  const ours = values[0]?.median;
  const over = (median: number | undefined) =>
    ratio && ours !== undefined && median !== undefined && median !== 0 ? ours / median : undefined;
  const ratios = values.slice(1).map((value) => over(value?.median));
  const results = targets.map((target): TargetResult => {
    const medians = target.against
      .map((k) => values[k]?.median)
      .filter((m): m is number => m !== undefined);
    const best =
      medians.length === target.against.length
        ? target.op === '>='
          ? Math.max(...medians)
          : Math.min(...medians)
        : undefined;
    const result = over(best);
    if (result === undefined || !Number.isFinite(result)) {
      return { ...target };
    }
    return {
      ...target,
      ratio: result,
      met: target.op === '>=' ? result >= target.value : result <= target.value,
    };
  });
  return { metric, unit, values, ratios, targets: results, note };
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

function formatRatio(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? '' : `${ratio.toFixed(2)}×`;
}

/** "≥ 1.10× golevelup: 1.23× met", one per target. */
function formatTargets(row: Row, columns: string[]): string {
  return row.targets
    .map((target) => {
      const wanted = `${target.op === '>=' ? '≥' : '≤'} ${target.value.toFixed(2)}×`;
      const baseline =
        target.against.length === 1
          ? columns[target.against[0]]
          : `best of ${target.against.map((k) => columns[k]).join(' / ')}`;
      const outcome =
        target.met === undefined
          ? 'n/a'
          : `${formatRatio(target.ratio)} ${target.met ? 'met' : 'MISSED'}`;
      return `${wanted} ${baseline}: ${outcome}`;
    })
    .join('; ');
}

/** The header, cells and alignment of a section, shared by the text and Markdown renderings. */
function cells(section: Section): { header: string[]; lines: string[][]; left: boolean[] } {
  const { columns } = section;
  const ratioColumns = section.rows.some((r) => r.ratios.some((x) => x !== undefined));
  const hasTargets = section.rows.some((r) => r.targets.length > 0);
  const header = [
    'metric',
    ...columns,
    ...(ratioColumns ? columns.slice(1).map((c) => `${columns[0]} / ${c}`) : []),
    ...(hasTargets ? ['targets (ratio of medians)'] : []),
  ];
  // A row may have values for the first columns only (e.g. ours only): the rest show as "—".
  const lines = section.rows.map((r) => [
    label(r),
    ...columns.map((_, k) => formatSpread(r.values[k], r.unit)),
    ...(ratioColumns ? columns.slice(1).map((_, k) => formatRatio(r.ratios[k])) : []),
    ...(hasTargets ? [formatTargets(r, columns)] : []),
  ]);
  // Text columns (the metric, the targets) are left-aligned, numbers right-aligned.
  const left = header.map((_, i) => i === 0 || (hasTargets && i === header.length - 1));
  return { header, lines, left };
}

function noteLines(section: Section): string[] {
  return [
    ...section.rows.filter((r) => r.note).map((r) => `${r.metric}: ${r.note}`),
    ...(section.notes ?? []),
  ];
}

/** Renders a section as a fixed-width text table; values are min / median / max over the runs. */
export function renderSection(section: Section): string {
  const { header, lines, left } = cells(section);
  const all = [header, ...lines];
  const widths = header.map((_, column) => Math.max(...all.map((line) => line[column].length)));
  const render = (line: string[]) =>
    line
      .map((cell, column) =>
        left[column] ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
      )
      .join('   ')
      .trimEnd();
  return [
    `\n${section.title}`,
    '(each value: min / median / max over the runs)',
    render(header),
    widths.map((w) => '-'.repeat(w)).join('   '),
    ...lines.map(render),
    ...noteLines(section).map((note) => `  * ${note}`),
  ].join('\n');
}

/** Renders a section as a Markdown table (for bench/README.md). */
export function renderMarkdown(section: Section): string {
  const { header, lines, left } = cells(section);
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const notes = noteLines(section);
  return [
    `**${section.title}** (each value: min / median / max over the runs)`,
    '',
    `| ${header.map(escape).join(' | ')} |`,
    `| ${left.map((l) => (l ? '---' : '---:')).join(' | ')} |`,
    ...lines.map((line) => `| ${line.map(escape).join(' | ')} |`),
    ...(notes.length > 0 ? ['', ...notes.map((note) => `- ${note}`)] : []),
  ].join('\n');
}
