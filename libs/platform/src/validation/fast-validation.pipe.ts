import { ValidationPipe, type ArgumentMetadata, type ValidationPipeOptions } from '@nestjs/common';
import { compileValidator, type CompiledValidator } from './compiled-validator';
import { sizeGuard } from './size-guard';

type Constructor = new () => object;

/** Options that change what Nest's pipe returns or checks, which the compiled path does not model. */
const UNMODELLED = [
  'expectedType',
  'groups',
  'always',
  'strictGroups',
  'transformOptions',
  'validatorPackage',
  'transformerPackage',
] as const;

/** The options under which the fast path returns what Nest's pipe would: a whitelisted instance. */
export type FastValidationPipeOptions = Omit<ValidationPipeOptions, (typeof UNMODELLED)[number]> & {
  transform: true;
  whitelist: true;
};

/**
 * Nest's ValidationPipe with a compiled fast path for valid payloads: the same decorators decide,
 * but a valid message or body no longer pays for class-transformer and class-validator's generic
 * machinery (the largest single cost per message in the benchmark). Anything the fast path does not
 * accept goes through `super.transform`, so errors, and every case the compiler does not model, are
 * Nest's own.
 */
export class FastValidationPipe extends ValidationPipe {
  private readonly compiled = new Map<Constructor, CompiledValidator | undefined>();
  private readonly forbidUnknown: boolean;
  private readonly fastPath: boolean;

  constructor(options: FastValidationPipeOptions) {
    super(options);
    this.forbidUnknown = options.forbidNonWhitelisted === true;
    // The type keeps these out; a caller that casts them in gets Nest's pipe alone.
    this.fastPath = UNMODELLED.every(
      (key) => (options as ValidationPipeOptions)[key] === undefined,
    );
  }

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const validated = metadata.metatype && this.toValidate(metadata);
    if (validated) {
      // Oversized arrays and strings, and undeclared properties, are refused before any element
      // is looked at: what an invalid payload costs stays bounded whatever its size.
      const refused = sizeGuard(metadata.metatype as Constructor, value, this.forbidUnknown);
      if (refused.length > 0) {
        return Promise.reject(this.exceptionFactory(refused) as Error);
      }
    }
    const validator =
      this.fastPath && validated
        ? compileValidator(
            metadata.metatype as Constructor,
            { forbidUnknown: this.forbidUnknown },
            this.compiled,
          )
        : undefined;
    let accepted: object | undefined;
    try {
      accepted = validator?.(value);
    } catch {
      // A value the compiled path cannot handle (e.g. a throwing getter): Nest's pipe decides.
    }
    return accepted ? Promise.resolve(accepted) : super.transform(value, metadata);
  }
}
