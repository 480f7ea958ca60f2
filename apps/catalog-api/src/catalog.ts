import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { productSchema, type Product, type ProductList, type ProductQuery } from '@shipyard/contracts';

/** The shipped catalog; the version in the file name and in the document move together. */
export const defaultCatalogFile = path.join(__dirname, 'data', 'catalog.v1.json');

/** On-disk format, version 1. A new format gets a new version number and a new file. */
export const catalogFileSchema = z
  .strictObject({
    version: z.literal(1),
    products: z.array(productSchema).min(1),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.products.forEach((product, index) => {
      if (seen.has(product.id)) {
        ctx.addIssue({ code: 'custom', path: ['products', index, 'id'], message: `duplicate product id '${product.id}'` });
      }
      seen.add(product.id);
    });
  });

export class CatalogLoadError extends Error {
  override readonly name = 'CatalogLoadError';
}

/** An immutable, in-memory catalog; products keep the order of the file. */
export class Catalog {
  private readonly byId: ReadonlyMap<string, Product>;

  constructor(private readonly products: readonly Product[]) {
    this.byId = new Map(products.map((product) => [product.id, product]));
  }

  get size(): number {
    return this.products.length;
  }

  get(id: string): Product | undefined {
    return this.byId.get(id);
  }

  list(query: ProductQuery): ProductList {
    const matching = query.category === undefined ? this.products : this.products.filter((p) => p.category === query.category);
    return {
      items: matching.slice(query.offset, query.offset + query.limit),
      page: { limit: query.limit, offset: query.offset, total: matching.length },
    };
  }
}

/** Reads and validates a catalog file; the error names the file and every invalid entry. */
export async function loadCatalog(file: string = defaultCatalogFile): Promise<Catalog> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CatalogLoadError(`cannot read catalog ${file}: ${(error as Error).message}`, { cause: error });
  }
  const result = catalogFileSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new CatalogLoadError(`invalid catalog ${file}: ${problems.join('; ')}`);
  }
  return new Catalog(result.data.products);
}
