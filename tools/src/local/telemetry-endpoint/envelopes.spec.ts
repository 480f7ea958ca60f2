import { gzipSync } from 'node:zlib';
import { acceptItems, decodeBody, MalformedBodyError } from './envelopes';

const envelope = (name = 'Microsoft.ApplicationInsights.Request') => ({
  name,
  time: '2025-01-01T00:00:00.000Z',
  iKey: 'k',
  tags: { 'ai.cloud.role': 'catalog-api' },
  data: { baseType: 'RequestData', baseData: { name: 'GET /products/:id', duration: '00:00:00.010', success: true } },
});

describe('decodeBody', () => {
  it('reads a JSON array, plain or gzip', () => {
    const body = Buffer.from(JSON.stringify([envelope(), envelope()]));
    expect(decodeBody(body, undefined, 1_000_000)).toHaveLength(2);
    expect(decodeBody(gzipSync(body), 'gzip', 1_000_000)).toHaveLength(2);
  });

  it('reads newline-delimited JSON and a single object', () => {
    expect(decodeBody(Buffer.from(`${JSON.stringify(envelope())}\n${JSON.stringify(envelope())}\n`), undefined, 1_000_000)).toHaveLength(2);
    expect(decodeBody(Buffer.from(JSON.stringify(envelope())), undefined, 1_000_000)).toHaveLength(1);
  });

  it.each([
    ['empty', Buffer.from('  ')],
    ['not JSON', Buffer.from('{"a":')],
    ['broken gzip', Buffer.from([0x1f, 0x8b, 1, 2, 3])],
  ])('rejects a body that is %s', (_what, body) => {
    expect(() => decodeBody(body, undefined, 1_000_000)).toThrow(MalformedBodyError);
  });
});

describe('acceptItems', () => {
  it('answers 200 with itemsReceived/itemsAccepted when all are valid', () => {
    const r = acceptItems([envelope(), envelope()]);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ itemsReceived: 2, itemsAccepted: 2, appId: null, errors: [] });
  });

  it('answers 206 naming the index of each invalid item', () => {
    const r = acceptItems([envelope(), { name: 'x' }, 42]);
    expect(r.status).toBe(206);
    expect(r.accepted).toHaveLength(1);
    expect(r.body.errors.map((e) => [e.index, e.statusCode])).toEqual([
      [1, 400],
      [2, 400],
    ]);
  });

  it('answers 400 when nothing is valid', () => {
    expect(acceptItems([{ ...envelope(), time: 'yesterday' }]).status).toBe(400);
  });
});
