import { z } from 'zod';
import { currencySchema, priceCentsSchema, productIdSchema } from './product';

export const QUOTE_MAX_LINES = 100;
export const QUOTE_MAX_QUANTITY = 1000;
/** 10000 basis points = 100 %. */
export const MAX_TAX_RATE_BASIS_POINTS = 10_000;

export const quoteRequestLineSchema = z.strictObject({
  productId: productIdSchema,
  quantity: z
    .int({ error: 'expected an integer' })
    .min(1, 'must be at least 1')
    .max(QUOTE_MAX_QUANTITY, `must be at most ${QUOTE_MAX_QUANTITY}`),
});
export type QuoteRequestLine = z.infer<typeof quoteRequestLineSchema>;

/**
 * The line count is checked on the raw array first (the pipe stops there), so a cart of
 * 10 000 bad lines yields one issue instead of 10 000.
 */
const quoteLinesSchema = z
  .array(z.unknown())
  .min(1, 'must contain at least 1 line')
  .max(QUOTE_MAX_LINES, `must contain at most ${QUOTE_MAX_LINES} lines`)
  .pipe(z.array(quoteRequestLineSchema))
  .superRefine((lines, ctx) => {
    const firstIndexById = new Map<string, number>();
    lines.forEach((line, index) => {
      const first = firstIndexById.get(line.productId);
      if (first === undefined) {
        firstIndexById.set(line.productId, index);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        path: [index, 'productId'],
        message: `duplicate productId '${line.productId}' (already in items[${first}]); combine the quantities into one line`,
      });
    });
  });

export const quoteRequestSchema = z.strictObject({ items: quoteLinesSchema });
export type QuoteRequest = z.infer<typeof quoteRequestSchema>;

const centsSchema = z.int().min(0);

export const quoteLineSchema = z.strictObject({
  productId: productIdSchema,
  name: z.string(),
  unitPriceCents: priceCentsSchema,
  quantity: z.int().min(1).max(QUOTE_MAX_QUANTITY),
  lineTotalCents: centsSchema,
});
export type QuoteLine = z.infer<typeof quoteLineSchema>;

export const quoteSchema = z.strictObject({
  currency: currencySchema,
  lines: z.array(quoteLineSchema).min(1).max(QUOTE_MAX_LINES),
  subtotalCents: centsSchema,
  taxRateBasisPoints: z.int().min(0).max(MAX_TAX_RATE_BASIS_POINTS),
  taxCents: centsSchema,
  totalCents: centsSchema,
});
export type Quote = z.infer<typeof quoteSchema>;
