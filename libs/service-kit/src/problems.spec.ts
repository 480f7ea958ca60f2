import { problemDetailsSchema } from '@shipyard/contracts';
import { z } from 'zod';
import { formatIssuePath, HttpProblem, parseOrProblem, problems } from './problems';

describe('HttpProblem', () => {
  it('defaults title to the status phrase and type to about:blank', () => {
    const problem = new HttpProblem(409, { detail: 'Version 3 was already used.' });
    expect(problem).toBeInstanceOf(Error);
    expect(problem.toDocument({ instance: '/orders/7', requestId: 'req-1' })).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'Version 3 was already used.',
      instance: '/orders/7',
      requestId: 'req-1',
    });
  });

  it('adds extension members but never lets them replace standard ones', () => {
    const document = new HttpProblem(422, { extra: { status: 200, title: 'ok', balance: 30 } }).toDocument();
    expect(document).toEqual({ type: 'about:blank', title: 'Unprocessable Entity', status: 422, balance: 30 });
    expect(problemDetailsSchema.parse(document)).toMatchObject({ status: 422 });
  });

  it.each([200, 399, 600, 404.5])('refuses status %p', (status) => {
    expect(() => new HttpProblem(status)).toThrow(RangeError);
  });
});

describe('problems', () => {
  it('builds the common problems with their statuses', () => {
    const errors = [{ field: 'sku', message: 'required' }];
    expect(problems.badRequest('bad', errors)).toMatchObject({ status: 400, detail: 'bad', errors });
    expect(problems.notFound('no such product')).toMatchObject({ status: 404, title: 'Not Found' });
    expect(problems.unprocessable('cannot price', errors)).toMatchObject({ status: 422, errors });
  });

  it('serviceUnavailable carries a whole-second Retry-After', () => {
    expect(problems.serviceUnavailable('catalog is down', 2.2)).toMatchObject({ status: 503, headers: { 'Retry-After': '3' } });
  });
});

describe('formatIssuePath', () => {
  it.each([
    [['items', 2, 'quantity'], 'items[2].quantity'],
    [[0, 'sku'], '[0].sku'],
    [['a', 'b'], 'a.b'],
    [[], 'query'],
  ])('%p → %s', (path, expected) => {
    expect(formatIssuePath(path, 'query')).toBe(expected);
  });
});

describe('parseOrProblem', () => {
  const order = z.object({ items: z.array(z.object({ sku: z.string(), quantity: z.int().min(1) })).min(1) });

  it('returns the parsed value', () => {
    expect(parseOrProblem(order, { items: [{ sku: 'a', quantity: 1 }] })).toEqual({ items: [{ sku: 'a', quantity: 1 }] });
  });

  it('throws a 400 naming each bad field', () => {
    let thrown: unknown;
    try {
      parseOrProblem(order, { items: [{ sku: 'a', quantity: 1 }, { quantity: 0 }] });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(HttpProblem);
    const problem = thrown as HttpProblem;
    expect(problem.status).toBe(400);
    expect(problem.detail).toBe('The request body is invalid.');
    expect(problem.errors?.map((e) => e.field)).toEqual(['items[1].sku', 'items[1].quantity']);
  });

  it('names the whole input when it is not even an object', () => {
    expect(() => parseOrProblem(order, 'text', 'query')).toThrow(
      expect.objectContaining({ errors: [expect.objectContaining({ field: 'query' })] }),
    );
  });
});
