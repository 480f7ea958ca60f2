import { z } from 'zod';

/** Every product id and category is a lowercase slug: safe to put in a URL path unescaped. */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SLUG_MESSAGE = 'expected a lowercase slug (a-z, 0-9, single dashes)';

/** The shop sells in one currency; widening this enum is the single place to add another. */
export const currencySchema = z.enum(['EUR']);
export type Currency = z.infer<typeof currencySchema>;

export const productIdSchema = z.string().max(64).regex(SLUG, SLUG_MESSAGE);
export type ProductId = z.infer<typeof productIdSchema>;

export const categorySchema = z.string().max(64).regex(SLUG, SLUG_MESSAGE);
export type Category = z.infer<typeof categorySchema>;

export const priceCentsSchema = z.int({ error: 'expected an integer number of cents' }).min(0, 'must be 0 or more');

export const productSchema = z.strictObject({
  id: productIdSchema,
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000),
  category: categorySchema,
  priceCents: priceCentsSchema,
  currency: currencySchema,
});
export type Product = z.infer<typeof productSchema>;

export const PRODUCT_QUERY_DEFAULT_LIMIT = 20;
export const PRODUCT_QUERY_MAX_LIMIT = 100;

/**
 * Query strings arrive as strings: accept only canonical decimal integers ("20", not "2e1",
 * " 20" or "") and leave anything else untouched so the integer check reports it.
 */
function integerFromQuery(schema: z.ZodInt) {
  return z.preprocess((value) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value), schema);
}

/** GET /products query. Strict: a misspelt parameter is an error, not a silently ignored filter. */
export const productQuerySchema = z.strictObject({
  category: categorySchema.optional(),
  limit: integerFromQuery(
    z
      .int({ error: 'expected an integer' })
      .min(1, 'must be at least 1')
      .max(PRODUCT_QUERY_MAX_LIMIT, `must be at most ${PRODUCT_QUERY_MAX_LIMIT}`),
  ).default(PRODUCT_QUERY_DEFAULT_LIMIT),
  offset: integerFromQuery(z.int({ error: 'expected an integer' }).min(0, 'must be 0 or more')).default(0),
});
/** The parsed query (defaults applied). */
export type ProductQuery = z.infer<typeof productQuerySchema>;
/** What a caller may send (everything optional). */
export type ProductQueryInput = z.input<typeof productQuerySchema>;

export const pageInfoSchema = z.strictObject({
  limit: z.int().min(1).max(PRODUCT_QUERY_MAX_LIMIT),
  offset: z.int().min(0),
  total: z.int().min(0),
});
export type PageInfo = z.infer<typeof pageInfoSchema>;

export const productListSchema = z.strictObject({
  items: z.array(productSchema),
  page: pageInfoSchema,
});
export type ProductList = z.infer<typeof productListSchema>;
