import { quoteSchema } from '@shipyard/contracts';
import { product } from './test-support/fake-catalog';
import { priceQuote, PricingError, taxCents } from './pricing';

describe('taxCents', () => {
  it.each([
    // subtotal, basis points, expected: subtotal × bp / 10000 rounded half up
    [0, 2000, 0],
    [1, 2000, 0], // 0.2
    [2, 2000, 0], // 0.4
    [3, 2000, 1], // 0.6
    [25, 2000, 5], // exactly 5
    [1, 5000, 1], // 0.5 → up
    [3, 5000, 2], // 1.5 → up
    [5, 1000, 1], // 0.5 → up
    [4, 1000, 0], // 0.4
    [3, 1650, 0], // 0.495
    [7, 2500, 2], // 1.75
    [1999, 2000, 400], // 399.8
    [2495, 2000, 499], // 499.0
    [12345, 700, 864], // 864.15
    [12350, 700, 865], // 864.5 → up
    [100, 0, 0],
    [100, 10_000, 100],
  ])('tax on %i cents at %i bp is %i', (subtotal, bp, expected) => {
    expect(taxCents(subtotal, bp)).toBe(expected);
  });

  it('stays exact where floating point would not', () => {
    // 1_000_000_000_005 × 0.5 = 500_000_000_002.5, which rounds up
    expect(taxCents(1_000_000_000_005, 5000)).toBe(500_000_000_003);
    expect(taxCents(Number.MAX_SAFE_INTEGER, 10_000)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('priceQuote', () => {
  it('computes line totals, subtotal, tax on the subtotal and total', () => {
    const quote = priceQuote(
      [
        { product: product('mug', 1250), quantity: 3 },
        { product: product('filters', 450), quantity: 1 },
        { product: product('beans', 1999), quantity: 2 },
      ],
      2000,
    );
    expect(quote).toEqual({
      currency: 'EUR',
      lines: [
        { productId: 'mug', name: 'Product mug', unitPriceCents: 1250, quantity: 3, lineTotalCents: 3750 },
        { productId: 'filters', name: 'Product filters', unitPriceCents: 450, quantity: 1, lineTotalCents: 450 },
        { productId: 'beans', name: 'Product beans', unitPriceCents: 1999, quantity: 2, lineTotalCents: 3998 },
      ],
      subtotalCents: 8198,
      taxRateBasisPoints: 2000,
      taxCents: 1640, // 1639.6
      totalCents: 9838,
    });
    expect(quoteSchema.safeParse(quote).success).toBe(true);
  });

  it('rounds the tax once on the subtotal, not per line', () => {
    // Per line: 0.2 + 0.2 + 0.2 → 0 each; on the subtotal of 3 cents: 0.6 → 1.
    const quote = priceQuote(
      [
        { product: product('a', 1), quantity: 1 },
        { product: product('b', 1), quantity: 1 },
        { product: product('c', 1), quantity: 1 },
      ],
      2000,
    );
    expect(quote.taxCents).toBe(1);
    expect(quote.totalCents).toBe(4);
  });

  it('prices free products', () => {
    const quote = priceQuote([{ product: product('sample', 0), quantity: 5 }], 2000);
    expect([quote.subtotalCents, quote.taxCents, quote.totalCents]).toEqual([0, 0, 0]);
  });

  it('refuses totals beyond exact integer range', () => {
    expect(() => priceQuote([{ product: product('yacht', Number.MAX_SAFE_INTEGER), quantity: 2 }], 0)).toThrow(PricingError);
    expect(() => priceQuote([{ product: product('yacht', Number.MAX_SAFE_INTEGER), quantity: 1 }], 2000)).toThrow(
      'The cart total is too large to quote.',
    );
  });

  it('refuses an empty list and mixed currencies', () => {
    expect(() => priceQuote([], 2000)).toThrow(PricingError);
    const usd = { ...product('b', 1), currency: 'USD' } as unknown as ReturnType<typeof product>;
    expect(() => priceQuote([{ product: product('a', 1), quantity: 1 }, { product: usd, quantity: 1 }], 2000)).toThrow(
      /share a currency/,
    );
  });
});
