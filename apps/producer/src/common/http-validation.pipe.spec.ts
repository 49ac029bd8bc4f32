import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { compileValidator } from '@app/platform';
import { pipeOutcome } from '@app/testing';
import { CancelOrderDto } from '../orders/dto/cancel-order.dto';
import { PlaceOrderDto } from '../orders/dto/place-order.dto';
import { HTTP_VALIDATION_OPTIONS, HttpValidationPipe } from './http-validation.pipe';

type Constructor = new () => object;

const item = { sku: 'SKU-1', quantity: 2, unitPrice: 1_250 };
const bodies: [string, Constructor, object, unknown[]][] = [
  [
    PlaceOrderDto.name,
    PlaceOrderDto,
    { customerId: 'c-1', items: [item], currency: 'EUR' },
    [
      {},
      { customerId: 'c-1', items: [], currency: 'EUR' },
      { customerId: 'c-1', items: [{ ...item, quantity: 0 }], currency: 'EUR' },
      { customerId: 'c-1', items: [item], currency: 'eur' },
      { customerId: 'c-1', items: [item], currency: 'EUR', extra: 1 },
    ],
  ],
  [
    CancelOrderDto.name,
    CancelOrderDto,
    { reason: 'changed my mind' },
    [{ reason: '' }, { reason: 7 }, { reason: 'x', extra: 1 }, []],
  ],
];

/**
 * 0007: the producer's HTTP bodies go through FastValidationPipe's compiled path, which must answer
 * as Nest's ValidationPipe with the same options does. A DTO that stops compiling (a decorator the
 * compiler does not model) would still be correct, only slower: this says so.
 */
describe.each(bodies)('HttpValidationPipe for %s', (_name, metatype, valid, invalid) => {
  const pipe = new HttpValidationPipe();
  const nest = new ValidationPipe(HTTP_VALIDATION_OPTIONS);

  it('takes the compiled path for a valid body and returns what Nest returns', async () => {
    const accepted = compileValidator(metatype, { forbidUnknown: true })?.(structuredClone(valid));
    expect(accepted).toBeInstanceOf(metatype);
    expect({ ok: accepted }).toStrictEqual(
      await pipeOutcome(nest, structuredClone(valid), metatype),
    );
    expect(await pipeOutcome(pipe, structuredClone(valid), metatype)).toStrictEqual({
      ok: accepted,
    });
  });

  it.each(invalid.map((value) => [JSON.stringify(value), value]))(
    'answers %s as Nest does',
    async (_json, value) => {
      expect(await pipeOutcome(pipe, structuredClone(value), metatype)).toStrictEqual(
        await pipeOutcome(nest, structuredClone(value), metatype),
      );
    },
  );
});
