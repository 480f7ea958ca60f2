import { QUOTE_MAX_LINES, quoteRequestSchema, quoteSchema } from './quote';

function issues(input: unknown): [string, string][] {
  const result = quoteRequestSchema.safeParse(input);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((issue) => [issue.path.join('.'), issue.message]);
}

function lines(count: number) {
  return Array.from({ length: count }, (_, index) => ({ productId: `product-${index}`, quantity: 1 }));
}

describe('quoteRequestSchema', () => {
  it('accepts a cart', () => {
    const cart = { items: [{ productId: 'espresso-cup', quantity: 2 }, { productId: 'teapot', quantity: 1 }] };
    expect(quoteRequestSchema.parse(cart)).toEqual(cart);
  });

  it(`accepts exactly ${QUOTE_MAX_LINES} lines and 1000 of one product`, () => {
    expect(quoteRequestSchema.parse({ items: lines(QUOTE_MAX_LINES) }).items).toHaveLength(QUOTE_MAX_LINES);
    expect(quoteRequestSchema.parse({ items: [{ productId: 'teapot', quantity: 1000 }] }).items[0]?.quantity).toBe(1000);
  });

  it.each([
    ['zero', 0, 'must be at least 1'],
    ['negative', -3, 'must be at least 1'],
    ['fractional', 1.5, 'expected an integer'],
    ['a string', '2', 'expected an integer'],
    ['too large', 1001, 'must be at most 1000'],
    ['null', null, 'expected an integer'],
  ])('rejects a %s quantity', (_label, quantity, message) => {
    expect(issues({ items: [{ productId: 'teapot', quantity }] })).toEqual([['items.0.quantity', message]]);
  });

  it('rejects an empty cart', () => {
    expect(issues({ items: [] })).toEqual([['items', 'must contain at least 1 line']]);
  });

  it('rejects too many lines with a single issue, however many lines are bad', () => {
    const tooMany = Array.from({ length: 10_000 }, () => ({ productId: 42 }));
    expect(issues({ items: tooMany })).toEqual([['items', `must contain at most ${QUOTE_MAX_LINES} lines`]]);
  });

  it('names the index of every duplicate productId', () => {
    const cart = {
      items: [
        { productId: 'teapot', quantity: 1 },
        { productId: 'mug', quantity: 1 },
        { productId: 'teapot', quantity: 2 },
        { productId: 'teapot', quantity: 3 },
      ],
    };
    expect(issues(cart).map(([path]) => path)).toEqual(['items.2.productId', 'items.3.productId']);
    expect(issues(cart)[0]?.[1]).toContain("duplicate productId 'teapot' (already in items[0])");
  });

  it('rejects missing fields, wrong types and unknown fields', () => {
    expect(issues({})).toEqual([['items', 'Invalid input: expected array, received undefined']]);
    expect(issues({ items: 'teapot' }).map(([path]) => path)).toEqual(['items']);
    expect(issues({ items: [{ quantity: 1 }] }).map(([path]) => path)).toEqual(['items.0.productId']);
    expect(issues({ items: [{ productId: 'teapot', quantity: 1, discount: 50 }] })[0]?.[0]).toBe('items.0');
    expect(issues({ items: [{ productId: 'teapot', quantity: 1 }], coupon: 'FREE' })[0]?.[1]).toContain('coupon');
  });

  it.each([[null], [[]], ['cart'], [42]])('rejects a non-object body %j', (body) => {
    expect(issues(body)).toHaveLength(1);
  });
});

describe('quoteSchema', () => {
  const quote = {
    currency: 'EUR',
    lines: [{ productId: 'teapot', name: 'Teapot', unitPriceCents: 2999, quantity: 2, lineTotalCents: 5998 }],
    subtotalCents: 5998,
    taxRateBasisPoints: 2000,
    taxCents: 1200,
    totalCents: 7198,
  };

  it('accepts a quote', () => {
    expect(quoteSchema.parse(quote)).toEqual(quote);
  });

  it('rejects fractional cents and a tax rate above 100 %', () => {
    expect(quoteSchema.safeParse({ ...quote, taxCents: 1199.6 }).success).toBe(false);
    expect(quoteSchema.safeParse({ ...quote, taxRateBasisPoints: 10_001 }).success).toBe(false);
  });
});
