import { IsISO4217CurrencyCode, Matches } from 'class-validator';

/** An ISO 4217 code in its canonical upper-case form (`EUR`, not `eur`). */
export function IsCurrencyCode(): PropertyDecorator {
  return (target, property) => {
    IsISO4217CurrencyCode()(target, property);
    Matches(/^[A-Z]{3}$/, { message: `${String(property)} must be three upper-case letters` })(
      target,
      property,
    );
  };
}
