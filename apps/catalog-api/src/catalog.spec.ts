import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Product } from '@shipyard/contracts';
import { Catalog, CatalogLoadError, loadCatalog } from './catalog';

function product(id: string, category: string, priceCents = 100): Product {
  return { id, name: id, description: '', category, priceCents, currency: 'EUR' };
}

describe('loadCatalog', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'catalog-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fileWith(content: string): Promise<string> {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, content);
    return file;
  }

  it('loads the shipped catalog: 12+ products across several categories, each id unique', async () => {
    const catalog = await loadCatalog();
    const all = catalog.list({ limit: 100, offset: 0 }).items;
    expect(all.length).toBeGreaterThanOrEqual(12);
    expect(new Set(all.map((p) => p.category)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
  });

  it('names the invalid field of an invalid product', async () => {
    const file = await fileWith(JSON.stringify({ version: 1, products: [{ ...product('mug', 'cups'), priceCents: -5 }] }));
    await expect(loadCatalog(file)).rejects.toThrow(/products\.0\.priceCents: must be 0 or more/);
  });

  it('rejects duplicate ids, an unknown version and an empty catalog', async () => {
    const dup = await fileWith(JSON.stringify({ version: 1, products: [product('mug', 'cups'), product('mug', 'cups')] }));
    await expect(loadCatalog(dup)).rejects.toThrow("products.1.id: duplicate product id 'mug'");
    const v2 = await fileWith(JSON.stringify({ version: 2, products: [product('mug', 'cups')] }));
    await expect(loadCatalog(v2)).rejects.toThrow(/version/);
    const empty = await fileWith(JSON.stringify({ version: 1, products: [] }));
    await expect(loadCatalog(empty)).rejects.toThrow(/products/);
  });

  it('reports unreadable and malformed files as CatalogLoadError naming the file', async () => {
    const missing = path.join(dir, 'missing.json');
    await expect(loadCatalog(missing)).rejects.toThrow(CatalogLoadError);
    await expect(loadCatalog(missing)).rejects.toThrow(missing);
    await expect(loadCatalog(await fileWith('{ not json'))).rejects.toThrow(/cannot read catalog/);
  });
});

describe('Catalog', () => {
  const catalog = new Catalog([
    product('a', 'tea'),
    product('b', 'coffee'),
    product('c', 'tea'),
    product('d', 'tea'),
    product('e', 'coffee'),
  ]);

  it('pages through all products in file order', () => {
    expect(catalog.list({ limit: 2, offset: 0 })).toEqual({
      items: [product('a', 'tea'), product('b', 'coffee')],
      page: { limit: 2, offset: 0, total: 5 },
    });
    expect(catalog.list({ limit: 2, offset: 4 }).items.map((p) => p.id)).toEqual(['e']);
    expect(catalog.list({ limit: 2, offset: 10 })).toEqual({ items: [], page: { limit: 2, offset: 10, total: 5 } });
  });

  it('filters by category before paging, and total counts the filtered set', () => {
    expect(catalog.list({ category: 'tea', limit: 2, offset: 1 })).toEqual({
      items: [product('c', 'tea'), product('d', 'tea')],
      page: { limit: 2, offset: 1, total: 3 },
    });
    expect(catalog.list({ category: 'cocoa', limit: 20, offset: 0 }).page.total).toBe(0);
  });

  it('finds products by id', () => {
    expect(catalog.get('c')).toEqual(product('c', 'tea'));
    expect(catalog.get('z')).toBeUndefined();
    expect(catalog.size).toBe(5);
  });
});
