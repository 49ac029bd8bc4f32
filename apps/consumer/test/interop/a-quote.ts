/** A quote request the interop tests send, and the price the consumer's rules give it. */
export const A_QUOTE = {
  items: [{ sku: 'BOOK-1', quantity: 2, unitPrice: 2_500 }],
  currency: 'USD',
  couponCode: 'SAVE10',
};

/** 5000 - 10 % = 4500; tax 8 % = 360; below 5000 after the discount: shipping 499. */
export const ITS_PRICE = {
  subtotal: 5_000,
  discount: 500,
  tax: 360,
  shipping: 499,
  total: 5_359,
  currency: 'USD',
};
