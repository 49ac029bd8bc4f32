import { TransformationType } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import {
  getMetadataStorage,
  ValidationTypes,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';

/** Builds the validated instance of a payload, or says "not sure" so the full path decides. */
export type CompiledValidator = (value: unknown) => object | undefined;

/** How the compiled validator treats properties no decorator mentions. */
export interface CompileOptions {
  /** Reject (HTTP bodies) instead of strip (messages) unknown properties. */
  forbidUnknown: boolean;
}

type Constructor = new () => object;

interface Check {
  validate: ValidatorConstraintInterface['validate'];
  constraints: unknown[];
  each: boolean;
}

interface CompiledProperty {
  name: string;
  conditions: ((object: object, value: unknown) => boolean)[];
  checks: Check[];
  /** Validator of each element, for `@ValidateNested({ each: true })` + `@Type(() => Class)`. */
  nested?: () => CompiledValidator | undefined;
}

const SUPPORTED = new Set<string>([
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.NESTED_VALIDATION,
  ValidationTypes.CONDITIONAL_VALIDATION,
]);

/**
 * Compiles the class-validator and class-transformer metadata of `target` into a plain function
 * that accepts a valid payload in a few microseconds, where `plainToInstance` + `validate` take tens:
 * validation was the largest single cost per message in the benchmark. It only ever accepts: for
 * anything it does not accept (invalid input, or a decorator it does not model) it returns
 * `undefined` and the caller runs class-validator, which then produces the errors. Returns
 * `undefined` for a class that uses anything beyond the validators, `@IsOptional`, `@ValidateIf`
 * and `@ValidateNested` + `@Type` on plain arrays (class-transformer's `@Expose`/`@Exclude`/
 * `@Transform`, initialised fields, accessors, async validators), so such classes always take the
 * full path.
 */
export function compileValidator(
  target: Constructor,
  options: CompileOptions,
  cache = new Map<Constructor, CompiledValidator | undefined>(),
): CompiledValidator | undefined {
  if (cache.has(target)) {
    return cache.get(target);
  }
  // Nested classes compile on first use, so a class that nests itself does not recurse here.
  const properties = compileProperties(target, options, cache);
  const compiled = properties && buildValidator(target, properties, options);
  cache.set(target, compiled);
  return compiled;
}

function compileProperties(
  target: Constructor,
  options: CompileOptions,
  cache: Map<Constructor, CompiledValidator | undefined>,
): CompiledProperty[] | undefined {
  const storage = getMetadataStorage();
  // The same call class-validator's executor makes when validating without groups.
  const metadatas = storage.getTargetValidationMetadatas(target, '', false, false);
  if (
    metadatas.length === 0 ||
    defaultMetadataStorage.getStrategy(target) !== 'none' ||
    defaultMetadataStorage.getExposedMetadatas(target).length > 0 ||
    defaultMetadataStorage.getExcludedMetadatas(target).length > 0
  ) {
    return undefined;
  }
  const byName = storage.groupByPropertyName(metadatas);
  // Class fields with initialisers are own keys of every instance: whitelisting would strip them,
  // or reject them under forbidNonWhitelisted, which this function does not model.
  if (Object.keys(new target()).some((key) => !(key in byName))) {
    return undefined;
  }
  const properties: CompiledProperty[] = [];
  for (const [name, own] of Object.entries(byName)) {
    // An accessor or method of that name: class-transformer would not assign it as we do.
    if (name in target.prototype) {
      return undefined;
    }
    const property: CompiledProperty = { name, conditions: [], checks: [] };
    for (const metadata of own) {
      if (!SUPPORTED.has(metadata.type) || metadata.validateIf) {
        return undefined;
      }
      if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) {
        property.conditions.push(
          metadata.constraints[0] as (object: object, value: unknown) => boolean,
        );
      } else if (metadata.type === ValidationTypes.NESTED_VALIDATION) {
        const nestedClass = staticTypeOf(target, name);
        if (!nestedClass) {
          return undefined;
        }
        property.nested = () => compileValidator(nestedClass, options, cache);
      } else {
        for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
          if (constraint.async) {
            return undefined;
          }
          const instance = constraint.instance;
          property.checks.push({
            validate: instance.validate.bind(instance),
            constraints: metadata.constraints,
            each: metadata.each,
          });
        }
      }
    }
    if (
      defaultMetadataStorage.findTransformMetadatas(target, name, TransformationType.PLAIN_TO_CLASS)
        .length > 0 ||
      (!property.nested && defaultMetadataStorage.findTypeMetadata(target, name))
    ) {
      return undefined;
    }
    properties.push(property);
  }
  return properties;
}

/** The class of `@Type(() => Class)`, when it does not depend on the object being transformed. */
function staticTypeOf(target: Constructor, property: string): Constructor | undefined {
  const type = defaultMetadataStorage.findTypeMetadata(target, property);
  // A Set, Map or Array subclass property would be rebuilt as that type; only plain arrays here.
  if (
    !type ||
    type.reflectedType !== Array ||
    type.options?.discriminator ||
    type.typeFunction.length > 0
  ) {
    return undefined;
  }
  const nested = type.typeFunction() as unknown;
  return typeof nested === 'function' ? (nested as Constructor) : undefined;
}

/** An object literal or `JSON.parse` result, from any realm; not a class instance, array or Buffer. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype !== null && Object.getPrototypeOf(prototype) === null;
}

function buildValidator(
  target: Constructor,
  properties: CompiledProperty[],
  { forbidUnknown }: CompileOptions,
): CompiledValidator {
  const known = new Set(properties.map((property) => property.name));
  return (value) => {
    if (!isPlainObject(value)) {
      return undefined;
    }
    if (forbidUnknown) {
      for (const key in value) {
        if (!known.has(key)) {
          return undefined;
        }
      }
    }
    // Like class-transformer: a new instance carrying the known properties the payload has.
    const instance = new target() as Record<string, unknown>;
    for (const { name, nested } of properties) {
      const descriptor = Object.getOwnPropertyDescriptor(value, name);
      if (!descriptor) {
        continue;
      }
      // class-transformer copies enumerable keys and reads getters more than once: not modelled.
      if (!descriptor.enumerable || !('value' in descriptor)) {
        return undefined;
      }
      const raw = descriptor.value as unknown;
      if (nested) {
        const elements = Array.isArray(raw) ? transformEach(raw, nested()) : undefined;
        if (!elements) {
          return undefined;
        }
        instance[name] = elements;
      } else if (typeof raw === 'object' && raw !== null) {
        return undefined;
      } else {
        instance[name] = raw;
      }
    }
    for (const { name, conditions, checks } of properties) {
      const propertyValue = instance[name];
      if (!conditions.every((condition) => condition(instance, propertyValue))) {
        continue;
      }
      for (const { validate, constraints, each } of checks) {
        const args: ValidationArguments = {
          targetName: target.name,
          property: name,
          object: instance,
          value: propertyValue,
          constraints,
        };
        const valid =
          each && Array.isArray(propertyValue)
            ? propertyValue.every((element) => validate(element, args) === true)
            : validate(propertyValue, args) === true;
        if (!valid) {
          return undefined;
        }
      }
    }
    return instance;
  };
}

function transformEach(
  raw: unknown[],
  validator: CompiledValidator | undefined,
): object[] | undefined {
  if (!validator) {
    return undefined;
  }
  const elements: object[] = [];
  for (let index = 0; index < raw.length; index++) {
    if (!(index in raw)) {
      return undefined;
    }
    const element = validator(raw[index]);
    if (!element) {
      return undefined;
    }
    elements.push(element);
  }
  return elements;
}
