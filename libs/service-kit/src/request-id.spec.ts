import { resolveRequestId, traceIdFromTraceparent } from './request-id';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('traceIdFromTraceparent', () => {
  it.each([
    [`00-${traceId}-00f067aa0ba902b7-01`, traceId],
    [`00-${traceId}-00f067aa0ba902b7-00`, traceId],
    // A future version may append fields; its first four parts are still readable.
    [`01-${traceId}-00f067aa0ba902b7-01-extra`, traceId],
  ])('reads the trace id of %s', (header, expected) => {
    expect(traceIdFromTraceparent(header)).toBe(expected);
  });

  it.each([
    [undefined],
    [''],
    [`ff-${traceId}-00f067aa0ba902b7-01`],
    [`00-${traceId}-00f067aa0ba902b7-01-extra`],
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    [`00-${traceId}-0000000000000000-01`],
    [`00-${traceId.toUpperCase()}-00f067aa0ba902b7-01`],
    [`00-${traceId.slice(1)}-00f067aa0ba902b7-01`],
  ])('rejects %p', (header) => {
    expect(traceIdFromTraceparent(header)).toBeUndefined();
  });
});

describe('resolveRequestId', () => {
  it('prefers a sane incoming x-request-id over traceparent', () => {
    expect(resolveRequestId({ 'x-request-id': 'abc-123', traceparent: `00-${traceId}-00f067aa0ba902b7-01` })).toBe('abc-123');
  });

  it('ignores an x-request-id that could forge log lines or is too long, then uses traceparent', () => {
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    expect(resolveRequestId({ 'x-request-id': 'a b', traceparent })).toBe(traceId);
    expect(resolveRequestId({ 'x-request-id': 'x'.repeat(129), traceparent })).toBe(traceId);
    expect(resolveRequestId({ 'x-request-id': 'line\nbreak', traceparent })).toBe(traceId);
  });

  it('generates a UUID when neither header helps', () => {
    const first = resolveRequestId({ traceparent: 'garbage' });
    expect(first).toMatch(uuid);
    expect(resolveRequestId({})).not.toBe(first);
  });
});
