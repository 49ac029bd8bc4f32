import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage, ValidationError, ValidationTypes } from 'class-validator';

type Constructor = new () => object;

/** Most field errors an answer or a dead letter lists; the rest are counted. */
export const MAX_REPORTED_ERRORS = 20;

/**
 * Strings up to this length are left to class-validator even when too long (checking them costs
 * nothing worth saving, and its answer then lists every wrong field); longer ones are refused early.
 */
const CHEAP_STRING_LENGTH = 1_024;

/**
 * Property names class-transformer skips when it builds the instance, so class-validator never sees
 * them and `forbidNonWhitelisted` lets them through: they must be refused before.
 */
function isSkippedByTransformer(name: string): boolean {
  return name === '__proto__' || name in Object.prototype;
}

interface Limits {
  /** `@ArrayMaxSize` */
  maxElements?: number;
  /** `@MaxLength` / `@Length` */
  maxLength?: number;
  /** `@ValidateNested` + `@Type(() => Class)` */
  nested?: Constructor;
}

const cache = new Map<Constructor, Map<string, Limits>>();

function limitsOf(target: Constructor): Map<string, Limits> {
  let limits = cache.get(target);
  if (limits) {
    return limits;
  }
  limits = new Map();
  const storage = getMetadataStorage();
  for (const metadata of storage.getTargetValidationMetadatas(target, '', false, false)) {
    const entry = limits.get(metadata.propertyName) ?? {};
    limits.set(metadata.propertyName, entry);
    if (metadata.type === ValidationTypes.NESTED_VALIDATION) {
      const type = defaultMetadataStorage.findTypeMetadata(target, metadata.propertyName);
      const nested =
        type && type.typeFunction.length === 0 ? (type.typeFunction() as unknown) : undefined;
      if (typeof nested === 'function') {
        entry.nested = nested as Constructor;
      }
    } else if (metadata.type === ValidationTypes.CUSTOM_VALIDATION && !metadata.each) {
      const [first, second] = (metadata.constraints ?? []) as unknown[];
      if (metadata.name === 'arrayMaxSize' && typeof first === 'number') {
        entry.maxElements = first;
      } else if (metadata.name === 'maxLength' && typeof first === 'number') {
        entry.maxLength = first;
      } else if (metadata.name === 'isLength' && typeof second === 'number') {
        entry.maxLength = second;
      }
    }
  }
  cache.set(target, limits);
  return limits;
}

function error(property: string, constraint: string, message: string): ValidationError {
  const result = new ValidationError();
  result.property = property;
  result.constraints = { [constraint]: message };
  result.children = [];
  return result;
}

/**
 * The checks that bound what validating `value` against `target` costs, done before class-validator
 * sees it: an array longer than its `@ArrayMaxSize` (or a string of over 1 kB longer than its
 * maximum length) is reported without looking at its elements, and (with `forbidUnknown`) an
 * undeclared property named like an `Object.prototype` member (`constructor`, `toString`, …), which
 * class-transformer silently skips, is reported by name. A 36 kB body of 12,000 empty items was a
 * 5 MB list of errors and seconds of a blocked event loop; it is now one error. Returns no errors
 * when `value` passes, and class-validator then does the full validation and lists every error.
 */
export function sizeGuard(
  target: Constructor,
  value: unknown,
  forbidUnknown: boolean,
): ValidationError[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [];
  }
  const limits = limitsOf(target);
  if (limits.size === 0) {
    return [];
  }
  const errors: ValidationError[] = [];
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (errors.length >= MAX_REPORTED_ERRORS) {
      break;
    }
    const limit = limits.get(key);
    if (!limit) {
      // Other unknown properties are class-validator's to report, with every other wrong field.
      if (forbidUnknown && isSkippedByTransformer(key)) {
        errors.push(error(key, 'whitelistValidation', `property ${key} should not exist`));
      }
      continue;
    }
    const field = record[key];
    if (Array.isArray(field)) {
      if (limit.maxElements !== undefined && field.length > limit.maxElements) {
        errors.push(
          error(
            key,
            'arrayMaxSize',
            `${key} must contain no more than ${limit.maxElements} elements`,
          ),
        );
        continue;
      }
      if (limit.nested) {
        const children = boundedChildren(limit.nested, field, forbidUnknown);
        if (children.length > 0) {
          const parent = new ValidationError();
          parent.property = key;
          parent.children = children;
          errors.push(parent);
        }
      }
    } else if (typeof field === 'string' && limit.maxLength !== undefined) {
      if (field.length > limit.maxLength && field.length > CHEAP_STRING_LENGTH) {
        errors.push(
          error(
            key,
            'maxLength',
            `${key} must be shorter than or equal to ${limit.maxLength} characters`,
          ),
        );
      }
    } else if (limit.nested && typeof field === 'object' && field !== null) {
      const children = sizeGuard(limit.nested, field, forbidUnknown);
      if (children.length > 0) {
        const parent = new ValidationError();
        parent.property = key;
        parent.children = children;
        errors.push(parent);
      }
    }
  }
  return errors;
}

function boundedChildren(
  nested: Constructor,
  elements: unknown[],
  forbidUnknown: boolean,
): ValidationError[] {
  const children: ValidationError[] = [];
  for (const [index, element] of elements.entries()) {
    const errors = sizeGuard(nested, element, forbidUnknown);
    if (errors.length > 0) {
      const child = new ValidationError();
      child.property = String(index);
      child.children = errors;
      children.push(child);
      if (children.length >= MAX_REPORTED_ERRORS) {
        break;
      }
    }
  }
  return children;
}
