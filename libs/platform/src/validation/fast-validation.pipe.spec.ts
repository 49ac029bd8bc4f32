import 'reflect-metadata';
import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { Exclude, Transform, Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsDefined,
  IsInt,
  IsOptional,
  IsString,
  Validate,
  ValidateIf,
  ValidateNested,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import fc from 'fast-check';
import {
  Contracts,
  OrderCancellationProcessedEvent,
  OrderCancelledEvent,
  OrderPlacedEvent,
  OrderProcessedEvent,
  OrderQuoteRequest,
} from '@app/contracts';
import { pipeOutcome } from '@app/testing';
import { compileValidator } from './compiled-validator';
import { FastValidationPipe, type FastValidationPipeOptions } from './fast-validation.pipe';

type Constructor = new () => object;

const body = (metatype: Constructor): ArgumentMetadata => ({ type: 'body', metatype });

const uuid = 'a3bb189e-8bf9-3888-9912-ace4e6543002';
const validItem = { sku: 'SKU-1', quantity: 2, unitPrice: 1_250 };
const validPayloads: Record<string, [Constructor, Record<string, unknown>]> = {
  OrderPlacedEvent: [
    OrderPlacedEvent,
    {
      orderId: uuid,
      customerId: 'c-1',
      items: [validItem],
      currency: 'EUR',
      placedAt: '2026-11-29T12:00:00.000Z',
    },
  ],
  OrderProcessedEvent: [
    OrderProcessedEvent,
    {
      orderId: uuid,
      outcome: 'accepted',
      total: 2_500,
      currency: 'EUR',
      processedAt: '2026-11-29T12:00:01.000Z',
    },
  ],
  OrderCancelledEvent: [
    OrderCancelledEvent,
    { orderId: uuid, reason: 'changed my mind', cancelledAt: '2026-11-29T12:00:02Z' },
  ],
  OrderCancellationProcessedEvent: [
    OrderCancellationProcessedEvent,
    {
      orderId: uuid,
      outcome: 'refused',
      reason: 'already rejected',
      processedAt: '2026-11-29T12:00:03.000Z',
    },
  ],
  OrderQuoteRequest: [OrderQuoteRequest, { items: [validItem], currency: 'EUR', couponCode: 'X1' }],
};

// 0007: every payload the RabbitServer validates must be property-tested against Nest and take the
// compiled path; a contract added to the registry without an example above fails here.
it('has a valid example of every payload in the contract registry', () => {
  const examples = new Set(Object.values(validPayloads).map(([metatype]) => metatype));
  const missing = Object.values(Contracts)
    .map((contract) => contract.payload)
    .filter((payload) => !examples.has(payload))
    .map((payload) => payload.name);
  expect(missing).toEqual([]);
});

/** Values that are valid somewhere and invalid elsewhere, so mutations hit both sides. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    '',
    'EUR',
    'eur',
    'XXX',
    uuid,
    'not-a-uuid',
    '2026-11-29T12:00:00Z',
    '2026-11-29',
    'accepted',
    'SKU-1',
    ' sku',
    0,
    -1,
    1,
    1.5,
    1_001,
    10_000_001,
    true,
    [],
    {},
    [validItem],
    [validItem, null],
    [{ ...validItem, quantity: 0 }],
    [{ ...validItem, extra: 1 }],
    [[validItem]],
    { ...validItem },
  ),
  fc.string({ maxLength: 70 }),
  fc.integer(),
  fc.array(fc.record({ sku: fc.string(), quantity: fc.integer(), unitPrice: fc.integer() }), {
    maxLength: 3,
  }),
);

/** A valid payload with some properties replaced, removed or added. */
const mutated = ([, valid]: [Constructor, Record<string, unknown>]) =>
  fc
    .record({
      replace: fc.dictionary(fc.constantFrom(...Object.keys(valid)), anyValue, { maxKeys: 2 }),
      remove: fc.subarray(Object.keys(valid), { maxLength: 1 }),
      add: fc.dictionary(fc.constantFrom('extra', '__proto__', 'constructor'), anyValue, {
        maxKeys: 1,
      }),
    })
    .map(({ replace, remove, add }) => {
      const payload: Record<string, unknown> = { ...valid, ...replace };
      for (const key of remove) {
        delete payload[key];
      }
      for (const [key, value] of Object.entries(add)) {
        Object.defineProperty(payload, key, { value, enumerable: true, writable: true });
      }
      return payload;
    });

describe.each([
  ['messages (unknown properties stripped)', false],
  ['HTTP bodies (unknown properties rejected)', true],
])('FastValidationPipe for %s', (_, forbidNonWhitelisted) => {
  const options: FastValidationPipeOptions = {
    transform: true,
    whitelist: true,
    forbidNonWhitelisted,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  };
  const fast = new FastValidationPipe(options);
  const nest = new ValidationPipe(options);

  it.each(Object.entries(validPayloads))(
    'takes the compiled path for a valid %s and returns what Nest returns',
    async (_name, [metatype, payload]) => {
      const compiled = compileValidator(metatype, { forbidUnknown: forbidNonWhitelisted });
      const accepted = compiled?.(structuredClone(payload));
      expect(accepted).toBeInstanceOf(metatype);
      expect(accepted).toStrictEqual(
        await nest.transform(structuredClone(payload), body(metatype)),
      );
    },
  );

  it.each(Object.entries(validPayloads))(
    'answers exactly as Nest does for any variation of a %s',
    async (_name, contract) => {
      const [metatype] = contract;
      const compiled = compileValidator(metatype, { forbidUnknown: forbidNonWhitelisted });
      let compiledAccepted = 0;
      await fc.assert(
        fc.asyncProperty(mutated(contract), async (payload) => {
          const fromCompiled = compiled?.(structuredClone(payload));
          const expected = await pipeOutcome(nest, structuredClone(payload), metatype);
          if (fromCompiled !== undefined) {
            compiledAccepted++;
            // The compiled path only ever accepts what class-validator accepts, with the same result.
            expect(expected).toStrictEqual({ ok: fromCompiled });
          }
          const skipped = forbidNonWhitelisted
            ? Object.keys(payload).filter((key) => key === '__proto__' || key === 'constructor')
            : [];
          if (skipped.length > 0) {
            // A deliberate departure (issue #11): class-transformer skips these names, so Nest's
            // pipe lets them through; ours refuses them by name.
            expect(await pipeOutcome(fast, structuredClone(payload), metatype)).toStrictEqual({
              error: {
                statusCode: 400,
                error: 'Bad Request',
                message: skipped.map((key) => `property ${key} should not exist`),
              },
            });
          } else {
            expect(await pipeOutcome(fast, structuredClone(payload), metatype)).toStrictEqual(
              expected,
            );
          }
        }),
        { numRuns: 400 },
      );
      expect(compiledAccepted).toBeGreaterThan(0);
    },
  );
});

/** Classes using what the compiled path does not model: the pipe must answer exactly as Nest's. */
@Exclude()
class ExcludedByDefault {
  @IsString()
  name!: string;
}

class WithInitialisedField {
  @IsString()
  name!: string;

  internal = 'server-side';
}

class Item {
  @IsInt()
  n!: number;
}

class WithSetOfItems {
  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  @Type(() => Item)
  items!: Set<Item>;
}

@ValidatorConstraint({ name: 'seesConstraints' })
class SeesConstraints implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    return args.constraints !== undefined;
  }
}

class WithCustomConstraint {
  @Validate(SeesConstraints)
  name!: string;
}

class WithAccessor {
  @IsString()
  get name(): string {
    return 'fixed';
  }
}

class Named {
  @IsString()
  name!: string;
}

describe.each([false, true])(
  'FastValidationPipe edge cases (forbidNonWhitelisted: %s)',
  (forbid) => {
    const options: FastValidationPipeOptions = {
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: forbid,
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
    };
    const fast = new FastValidationPipe(options);
    const nest = new ValidationPipe(options);
    const cases: [string, Constructor, () => unknown][] = [
      ['a class-level @Exclude()', ExcludedByDefault, () => ({ name: 'x' })],
      ['an undecorated field with an initialiser', WithInitialisedField, () => ({ name: 'x' })],
      ['a Set-typed nested property', WithSetOfItems, () => ({ items: [{ n: 1 }] })],
      ['@Validate without constraints', WithCustomConstraint, () => ({ name: 'x' })],
      ['a decorated accessor', WithAccessor, () => ({ name: 'x' })],
      [
        'a non-enumerable property',
        Named,
        () => Object.defineProperty({}, 'name', { value: 'x', enumerable: false }),
      ],
      [
        'a getter that changes its answer',
        Named,
        () => {
          let reads = 0;
          return {
            get name() {
              return reads++ === 0 ? 'x' : 42;
            },
          };
        },
      ],
    ];

    it.each(cases)('answers as Nest does for %s', async (_name, metatype, make) => {
      expect(await pipeOutcome(fast, make(), metatype)).toStrictEqual(
        await pipeOutcome(nest, make(), metatype),
      );
    });

    it('leaves the whole job to Nest when transformOptions are set', async () => {
      const converting = { ...options, transformOptions: { enableImplicitConversion: true } };
      const pipe = new FastValidationPipe(converting);
      class Coded {
        @IsOptional()
        code?: string;
      }
      Reflect.defineMetadata('design:type', String, Coded.prototype, 'code');
      expect(await pipeOutcome(pipe, { code: 5 }, Coded)).toStrictEqual(
        await pipeOutcome(new ValidationPipe(converting), { code: 5 }, Coded),
      );
    });
  },
);

describe('compileValidator', () => {
  class WithTransform {
    @Transform(({ value }: { value: unknown }) => String(value))
    @IsString()
    name!: string;
  }

  class WithIsDefined {
    @IsDefined()
    @IsInt()
    count!: number;
  }

  class WithOptional {
    @IsOptional()
    @IsString()
    note?: string;

    @ValidateIf((object: { note?: string }) => object.note !== undefined)
    @IsInt()
    count?: number;
  }

  it('leaves classes with decorators it does not model to the full path', () => {
    expect(compileValidator(WithTransform, { forbidUnknown: false })).toBeUndefined();
    expect(compileValidator(WithIsDefined, { forbidUnknown: false })).toBeUndefined();
  });

  it('applies @IsOptional and @ValidateIf like class-validator', () => {
    const compiled = compileValidator(WithOptional, { forbidUnknown: false });
    expect(compiled?.({})).toBeInstanceOf(WithOptional);
    expect(compiled?.({ note: 'n', count: 1 })).toMatchObject({ note: 'n', count: 1 });
    expect(compiled?.({ note: 'n' })).toBeUndefined();
    expect(compiled?.({ note: 1 })).toBeUndefined();
  });

  it('does not take non-plain values', () => {
    const compiled = compileValidator(OrderQuoteRequest, { forbidUnknown: false });
    expect(compiled).toBeDefined();
    expect(compiled?.(null)).toBeUndefined();
    expect(compiled?.([validItem])).toBeUndefined();
    expect(compiled?.(Object.assign(Object.create(null) as object, { currency: 'EUR' }))).toBe(
      undefined,
    );
  });
});
