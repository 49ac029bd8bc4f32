// The contract table of docs/contracts-and-topology.md, built from the registry
// (libs/contracts/src/contracts.ts): `npm run docs:asyncapi` writes it with docs/asyncapi.json;
// `npm run docs:check` and scripts/generated-docs.spec.ts fail while it is stale.
import 'reflect-metadata';
import { allContracts, jsonSchemasFor, type Contract, type ValidatedClass } from '@app/contracts';

/** Marks the generated part of the document; everything outside the markers is written by hand. */
export const CONTRACT_TABLE_MARKERS = {
  start:
    '<!-- contract-table:start (generated from libs/contracts/src/contracts.ts by `npm run docs:asyncapi`; do not edit) -->',
  end: '<!-- contract-table:end -->',
} as const;

/** The table: one row per registry entry, in registry order. */
export function contractTable(contracts: readonly Contract[] = allContracts()): string {
  const rows = contracts.map((contract) => {
    const payload = shape(contract.payload);
    const message = contract.kind === 'request' ? `${payload} → ${shape(contract.reply)}` : payload;
    return [
      `\`${contract.pattern}\``,
      contract.kind,
      message,
      contract.publishedBy,
      contract.handledBy.join(', '),
      contract.description,
    ];
  });
  return [
    '| pattern (routing key) | kind | payload (→ reply) | published by | handled by | meaning |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((cells) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');
}

/** `ClassName { field, optional? }`: the class and its fields, from its validators' JSON Schema. */
function shape(target: ValidatedClass): string {
  const schema = jsonSchemasFor([target], { refPrefix: '#/' })[target.name] as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  const required = new Set(schema.required ?? []);
  const fields = Object.keys(schema.properties ?? {}).map((field) =>
    required.has(field) ? field : `${field}?`,
  );
  return `\`${target.name}\` { ${fields.join(', ')} }`;
}

/** `document` with the text between the markers replaced by `table`. */
export function withContractTable(document: string, table = contractTable()): string {
  const start = document.indexOf(CONTRACT_TABLE_MARKERS.start);
  const end = document.indexOf(CONTRACT_TABLE_MARKERS.end);
  if (start < 0 || end < start) {
    throw new Error(
      `The contract table's markers are missing: put ${CONTRACT_TABLE_MARKERS.start} and ` +
        `${CONTRACT_TABLE_MARKERS.end} where the table goes.`,
    );
  }
  return (
    document.slice(0, start + CONTRACT_TABLE_MARKERS.start.length) +
    `\n\n${table}\n\n` +
    document.slice(end)
  );
}
