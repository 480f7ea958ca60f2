import type { Currency, Product, Quote } from '@shipyard/contracts';

export interface PricedItem {
  product: Product;
  quantity: number;
}

/** A cart that cannot be priced as asked; the message is safe to show to the caller. */
export class PricingError extends Error {
  override readonly name = 'PricingError';
}

const BASIS_POINTS_PER_UNIT = 10_000n;

/**
 * Tax on the subtotal in integer cents, rounded half up: subtotal × rate / 10000 with the
 * half-cent going up. BigInt keeps the product exact far beyond Number's 2^53.
 */
export function taxCents(subtotalCents: number, taxRateBasisPoints: number): number {
  const scaled = BigInt(subtotalCents) * BigInt(taxRateBasisPoints);
  return toSafeNumber((scaled + BASIS_POINTS_PER_UNIT / 2n) / BASIS_POINTS_PER_UNIT);
}

function toSafeNumber(cents: bigint): number {
  if (cents > BigInt(Number.MAX_SAFE_INTEGER)) throw new PricingError('The cart total is too large to quote.');
  return Number(cents);
}

/** Prices each line, then the subtotal, the tax on the subtotal and the total, all in integer cents. */
export function priceQuote(items: readonly PricedItem[], taxRateBasisPoints: number): Quote {
  const first = items[0];
  if (!first) throw new PricingError('A quote needs at least one line.');
  const currency: Currency = first.product.currency;
  const lines = items.map(({ product, quantity }) => {
    if (product.currency !== currency) {
      throw new PricingError(`Products in one quote must share a currency; '${product.id}' is in ${product.currency}, not ${currency}.`);
    }
    return {
      productId: product.id,
      name: product.name,
      unitPriceCents: product.priceCents,
      quantity,
      lineTotalCents: toSafeNumber(BigInt(product.priceCents) * BigInt(quantity)),
    };
  });
  const subtotalCents = toSafeNumber(lines.reduce((sum, line) => sum + BigInt(line.lineTotalCents), 0n));
  const tax = taxCents(subtotalCents, taxRateBasisPoints);
  return {
    currency,
    lines,
    subtotalCents,
    taxRateBasisPoints,
    taxCents: tax,
    totalCents: toSafeNumber(BigInt(subtotalCents) + BigInt(tax)),
  };
}
