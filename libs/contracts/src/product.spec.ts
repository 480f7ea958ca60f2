import { PRODUCT_QUERY_MAX_LIMIT, productListSchema, productQuerySchema, productSchema } from './product';

const espresso = {
  id: 'espresso-cup',
  name: 'Espresso cup',
  description: 'Porcelain, 80 ml.',
  category: 'kitchen',
  priceCents: 1250,
  currency: 'EUR',
};

function issuePaths(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }): string[] {
  return (result.error?.issues ?? []).map((issue) => issue.path.join('.'));
}

describe('productSchema', () => {
  it('accepts a well-formed product', () => {
    expect(productSchema.parse(espresso)).toEqual(espresso);
  });

  it.each([
    ['priceCents', -1],
    ['priceCents', 12.5],
    ['priceCents', '1250'],
    ['currency', 'eur'],
    ['currency', 'BTC'],
    ['id', 'Espresso Cup'],
    ['id', '../admin'],
    ['id', ''],
    ['category', 'Kitchen'],
    ['name', '   '],
  ])('rejects %s = %j', (field, value) => {
    const result = productSchema.safeParse({ ...espresso, [field]: value });
    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual([field]);
  });

  it('rejects unknown fields', () => {
    const result = productSchema.safeParse({ ...espresso, stock: 3 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it('accepts a free product', () => {
    expect(productSchema.parse({ ...espresso, priceCents: 0 }).priceCents).toBe(0);
  });
});

describe('productQuerySchema', () => {
  it('applies defaults', () => {
    expect(productQuerySchema.parse({})).toEqual({ limit: 20, offset: 0 });
  });

  it('reads integers from query-string values', () => {
    expect(productQuerySchema.parse({ category: 'kitchen', limit: '5', offset: '10' })).toEqual({
      category: 'kitchen',
      limit: 5,
      offset: 10,
    });
  });

  it('accepts the cap itself', () => {
    expect(productQuerySchema.parse({ limit: String(PRODUCT_QUERY_MAX_LIMIT) }).limit).toBe(PRODUCT_QUERY_MAX_LIMIT);
  });

  it.each([
    [{ limit: String(PRODUCT_QUERY_MAX_LIMIT + 1) }, 'limit', 'must be at most 100'],
    [{ limit: '0' }, 'limit', 'must be at least 1'],
    [{ limit: 'ten' }, 'limit', 'expected an integer'],
    [{ limit: '2e1' }, 'limit', 'expected an integer'],
    [{ limit: '' }, 'limit', 'expected an integer'],
    [{ limit: ['1', '2'] }, 'limit', 'expected an integer'],
    [{ offset: '-1' }, 'offset', 'must be 0 or more'],
    [{ offset: '1.5' }, 'offset', 'expected an integer'],
    [{ category: 'Not A Slug' }, 'category', 'expected a lowercase slug (a-z, 0-9, single dashes)'],
  ])('rejects %j naming %s', (query, field, message) => {
    const result = productQuerySchema.safeParse(query);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([[field, message]]);
  });

  it('rejects unknown parameters instead of ignoring a misspelt filter', () => {
    const result = productQuerySchema.safeParse({ categroy: 'kitchen' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['categroy'] });
  });
});

describe('productListSchema', () => {
  it('accepts a page of products', () => {
    const list = { items: [espresso], page: { limit: 20, offset: 0, total: 1 } };
    expect(productListSchema.parse(list)).toEqual(list);
  });

  it('rejects a page without its page info', () => {
    expect(productListSchema.safeParse({ items: [espresso] }).success).toBe(false);
  });
});
