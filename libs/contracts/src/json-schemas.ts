import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage, IS_ISO4217_CURRENCY_CODE, ValidationTypes } from 'class-validator';
import { targetConstructorToSchema } from 'class-validator-jsonschema';

/** A JSON Schema object (the subset shared by OpenAPI 3.0 and AsyncAPI 3.0 schemas). */
export type JsonSchema = { [keyword: string]: unknown };

/** How {@link jsonSchemasFor} writes its schemas. */
export interface JsonSchemaOptions {
  /** Prefix of `$ref`s between the generated schemas, e.g. `#/components/schemas/`. */
  refPrefix: string;
  /**
   * Adds `additionalProperties: false`: true for HTTP bodies (unknown fields are a 400), false for
   * messages (consumers strip unknown fields, so producers may add optional ones).
   */
  closed?: boolean;
}

/** A class whose properties carry class-validator decorators. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- class-validator's own type for targets
export type ValidatedClass = Function;

// Validators the generator does not know; without these they would document only `type: string`.
const additionalConverters = {
  [IS_ISO4217_CURRENCY_CODE]: {
    type: 'string' as const,
    description: 'An ISO 4217 currency code in upper case, e.g. EUR.',
  },
};

/**
 * JSON Schemas of `classes` and of every class they nest (`@ValidateNested` + `@Type`), keyed by
 * class name and derived from the same class-validator decorators that validate at run time, so
 * the documentation cannot drift from the validation.
 */
export function jsonSchemasFor(
  classes: readonly ValidatedClass[],
  { refPrefix, closed = false }: JsonSchemaOptions,
): Record<string, JsonSchema> {
  const found = new Map<string, ValidatedClass>();
  for (const target of classes) {
    collectNested(target, found);
  }
  const schemas: Record<string, JsonSchema> = {};
  for (const [name, target] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
    const schema = targetConstructorToSchema(target, {
      refPointerPrefix: refPrefix,
      classTransformerMetadataStorage: defaultMetadataStorage,
      additionalConverters,
    }) as JsonSchema;
    schemas[name] = closed ? { ...schema, additionalProperties: false } : schema;
  }
  return schemas;
}

function collectNested(target: ValidatedClass, found: Map<string, ValidatedClass>): void {
  const known = found.get(target.name);
  if (known === target) {
    return;
  }
  if (known) {
    throw new Error(`Two different classes are named ${target.name}; schema names must be unique`);
  }
  found.set(target.name, target);
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
  for (const meta of metadatas) {
    if (meta.type !== ValidationTypes.NESTED_VALIDATION) {
      continue;
    }
    const nested = defaultMetadataStorage
      .findTypeMetadata(target, meta.propertyName)
      ?.typeFunction();
    if (typeof nested === 'function') {
      collectNested(nested, found);
    }
  }
}
