/**
 * The public HTTP routes of each service, in Express path syntax. The services register their
 * handlers from these, and the storefront's BFF forwards only these: a route that is not listed
 * here (health, metrics, anything added for operators) is not reachable through the BFF.
 */
export interface PublicRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Express path: literal segments and `:name` parameters, e.g. `/products/:id`. */
  path: string;
}

export const catalogRoutes = {
  listProducts: { method: 'GET', path: '/products' },
  getProduct: { method: 'GET', path: '/products/:id' },
} as const satisfies Record<string, PublicRoute>;

export const checkoutRoutes = {
  createQuote: { method: 'POST', path: '/quotes' },
} as const satisfies Record<string, PublicRoute>;
