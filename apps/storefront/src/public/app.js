// @ts-check
// The storefront page: plain DOM code, no framework, no inline script (strict CSP). Everything it
// fetches goes to its own origin (/api/...), where the storefront server proxies to the services.

import { startTelemetry } from './telemetry.js';

/**
 * @typedef {{ id: string, name: string, description: string, category: string, priceCents: number, currency: string }} Product
 * @typedef {{ items: Product[], page: { limit: number, offset: number, total: number } }} ProductList
 * @typedef {{ productId: string, name: string, unitPriceCents: number, quantity: number, lineTotalCents: number }} QuoteLine
 * @typedef {{ currency: string, lines: QuoteLine[], subtotalCents: number, taxRateBasisPoints: number, taxCents: number, totalCents: number }} Quote
 * @typedef {Partial<import('@shipyard/contracts').ProblemDetails>} ProblemDocument what a failed call reports (the server's problem+json, or one made here)
 * @typedef {{ product: Product, quantity: number }} CartLine
 */

const PAGE_SIZE = 10;

/** Raised for every failed call, carrying what the page shows about it. */
class Problem extends Error {
  /** @param {ProblemDocument} document */
  constructor(document) {
    super(document.detail ?? document.title ?? 'Request failed');
    this.document = document;
  }
}

/** Server-rendered settings from the JSON block in index.html (data, not code). */
function readConfig() {
  const text = document.getElementById('config')?.textContent ?? '{}';
  try {
    return /** @type {Record<string, unknown>} */ (JSON.parse(text));
  } catch {
    return {};
  }
}

const state = {
  config: readConfig(),
  offset: 0,
  /** @type {Map<string, CartLine>} one line per product: the quote API refuses duplicate ids */
  cart: new Map(),
  /** @type {Quote | null} */
  quote: null,
  quoting: false,
};

/** @param {string} id */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element;
}

/**
 * @param {string} tag
 * @param {{ text?: string, className?: string, attrs?: Record<string, string> }} [options]
 * @param {Node[]} [children]
 */
function el(tag, options = {}, children = []) {
  const element = document.createElement(tag);
  if (options.text !== undefined) element.textContent = options.text;
  if (options.className) element.className = options.className;
  for (const [name, value] of Object.entries(options.attrs ?? {})) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/**
 * @param {number} cents
 * @param {string} currency
 */
function formatMoney(cents, currency) {
  return new Intl.NumberFormat(navigator.language || 'en', { style: 'currency', currency }).format(cents / 100);
}

/** @param {number} basisPoints */
function formatRate(basisPoints) {
  return new Intl.NumberFormat(navigator.language || 'en', { style: 'percent', maximumFractionDigits: 2 }).format(basisPoints / 10_000);
}

/**
 * fetch + JSON, turning every failure into a Problem: problem+json answers as they are,
 * anything else (network down, HTML error page) into a readable stand-in.
 * @param {string} url
 * @param {RequestInit} [init]
 */
async function callApi(url, init) {
  let response;
  try {
    response = await fetch(url, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  } catch {
    throw new Problem({ title: 'The shop cannot be reached', detail: 'Check your connection and try again.' });
  }
  const isJson = /\bjson\b/.test(response.headers.get('content-type') ?? '');
  const body = isJson ? await response.json().catch(() => undefined) : undefined;
  if (response.ok && body !== undefined) return body;
  if (!response.ok && body && typeof body === 'object') {
    throw new Problem({ status: response.status, ...body, requestId: body.requestId ?? response.headers.get('x-request-id') ?? undefined });
  }
  throw new Problem({
    status: response.status,
    title: response.ok ? 'Unexpected answer' : `Request failed (${response.status} ${response.statusText})`,
    requestId: response.headers.get('x-request-id') ?? undefined,
  });
}

/** @param {unknown} error */
function showProblem(error) {
  const box = byId('problem');
  /** @type {ProblemDocument} */
  const problem = error instanceof Problem ? error.document : { title: 'Something went wrong', detail: String(error) };
  const heading = problem.status ? `${problem.title ?? 'Error'} (${problem.status})` : (problem.title ?? 'Error');
  const children = [el('h2', { text: heading })];
  if (problem.detail) children.push(el('p', { text: problem.detail }));
  if (problem.errors?.length) {
    children.push(el('ul', {}, problem.errors.map((fieldError) => el('li', { text: `${fieldError.field}: ${fieldError.message}` }))));
  }
  if (problem.requestId) children.push(el('p', { className: 'request-id', text: `Request id: ${problem.requestId}` }));
  box.replaceChildren(...children);
  box.hidden = false;
}

function clearProblem() {
  const box = byId('problem');
  box.hidden = true;
  box.replaceChildren();
}

async function loadProducts() {
  const status = byId('products-status');
  status.textContent = 'Loading products…';
  status.hidden = false;
  try {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(state.offset) });
    /** @type {ProductList} */
    const list = await callApi(`/api/catalog/products?${query}`);
    renderProducts(list);
    status.hidden = list.items.length > 0;
    status.textContent = list.items.length > 0 ? '' : 'No products found.';
  } catch (error) {
    status.textContent = 'Products could not be loaded.';
    showProblem(error);
  }
}

/** @param {ProductList} list */
function renderProducts(list) {
  byId('products').replaceChildren(
    ...list.items.map((product) =>
      el('li', { className: 'product', attrs: { 'data-product-id': product.id } }, [
        el('h3', { text: product.name }),
        el('span', { className: 'price', text: formatMoney(product.priceCents, product.currency) }),
        el('p', { text: product.description }),
        addButton(product),
      ]),
    ),
  );
  const { limit, offset, total } = list.page;
  byId('pager').hidden = total <= limit;
  byId('page-info').textContent = `${offset + 1}–${Math.min(offset + limit, total)} of ${total}`;
  /** @type {HTMLButtonElement} */ (byId('previous-page')).disabled = offset === 0;
  /** @type {HTMLButtonElement} */ (byId('next-page')).disabled = offset + limit >= total;
}

/** @param {Product} product */
function addButton(product) {
  const button = el('button', { text: 'Add to cart', attrs: { type: 'button', 'aria-label': `Add ${product.name} to cart` } });
  button.addEventListener('click', () => {
    const line = state.cart.get(product.id);
    state.cart.set(product.id, { product, quantity: (line?.quantity ?? 0) + 1 });
    cartChanged();
  });
  return button;
}

function cartChanged() {
  state.quote = null;
  renderCart();
  renderQuote();
}

function renderCart() {
  const lines = [...state.cart.values()];
  byId('cart-empty').hidden = lines.length > 0;
  byId('cart').hidden = lines.length === 0;
  /** @type {HTMLButtonElement} */ (byId('request-quote')).disabled = lines.length === 0 || state.quoting;
  byId('cart-lines').replaceChildren(...lines.map(cartRow));
}

/** @param {CartLine} line */
function cartRow({ product, quantity }) {
  const input = /** @type {HTMLInputElement} */ (
    el('input', {
      attrs: { type: 'number', min: '1', step: '1', inputmode: 'numeric', value: String(quantity), 'aria-label': `Quantity of ${product.name}` },
    })
  );
  input.addEventListener('change', () => {
    const wanted = Number(input.value);
    // Out-of-range numbers go to the server as typed: its problem answer explains the limits.
    if (!Number.isInteger(wanted)) {
      input.value = String(quantity);
      return;
    }
    state.cart.set(product.id, { product, quantity: wanted });
    cartChanged();
  });
  const remove = el('button', { text: 'Remove', attrs: { type: 'button', 'aria-label': `Remove ${product.name}` } });
  remove.addEventListener('click', () => {
    state.cart.delete(product.id);
    cartChanged();
  });
  return el('tr', { attrs: { 'data-product-id': product.id } }, [
    el('td', { text: product.name }),
    el('td', { text: formatMoney(product.priceCents, product.currency) }),
    el('td', {}, [input]),
    el('td', {}, [remove]),
  ]);
}

async function requestQuote() {
  clearProblem();
  state.quoting = true;
  renderCart();
  try {
    const items = [...state.cart.values()].map(({ product, quantity }) => ({ productId: product.id, quantity }));
    state.quote = await callApi('/api/checkout/quotes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
  } catch (error) {
    state.quote = null;
    showProblem(error);
  } finally {
    state.quoting = false;
    renderCart();
    renderQuote();
  }
}

function renderQuote() {
  const quote = state.quote;
  byId('quote').hidden = quote === null;
  if (quote === null) return;
  const money = (/** @type {number} */ cents) => formatMoney(cents, quote.currency);
  byId('quote-lines').replaceChildren(
    ...quote.lines.map((line) =>
      el('tr', { attrs: { 'data-product-id': line.productId } }, [
        el('td', { text: line.name }),
        el('td', { text: money(line.unitPriceCents) }),
        el('td', { text: String(line.quantity) }),
        el('td', { text: money(line.lineTotalCents) }),
      ]),
    ),
  );
  byId('quote-subtotal').textContent = money(quote.subtotalCents);
  byId('quote-tax-label').textContent = `Tax (${formatRate(quote.taxRateBasisPoints)})`;
  byId('quote-tax').textContent = money(quote.taxCents);
  const total = byId('quote-total');
  total.textContent = money(quote.totalCents);
  total.dataset['cents'] = String(quote.totalCents);
}

byId('request-quote').addEventListener('click', () => void requestQuote());
byId('previous-page').addEventListener('click', () => {
  state.offset = Math.max(0, state.offset - PAGE_SIZE);
  void loadProducts();
});
byId('next-page').addEventListener('click', () => {
  state.offset += PAGE_SIZE;
  void loadProducts();
});
renderCart();
// Telemetry first (when configured), so the page's first API call is already tracked.
void startTelemetry(state.config.telemetry).finally(() => loadProducts());
