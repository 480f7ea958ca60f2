import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { isTracingSuppressed, W3CTraceContextPropagator } from '@opentelemetry/core';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, InMemorySpanExporter, type Sampler, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ServerRequestInstrumentation } from './server-requests';

/**
 * The instrumentation against a real http server, an in-memory exporter and the AsyncLocalStorage
 * context manager the distro uses. What it must give the exporter is pinned end to end against
 * OpenTelemetry's HttpInstrumentation in tools/src/local/telemetry-endpoint/telemetry.int.spec.ts.
 */
describe('ServerRequestInstrumentation', () => {
  const exporter = new InMemorySpanExporter();
  const contextManager = new AsyncLocalStorageContextManager().enable();
  let sampler: Sampler = new AlwaysOnSampler();
  const delegating: Sampler = { shouldSample: (...args) => sampler.shouldSample(...args), toString: () => 'test' };
  const provider = new BasicTracerProvider({ sampler: delegating, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const instrumentation = new ServerRequestInstrumentation({ enabled: false, ignore: (request) => request.url === '/healthz' });
  let server: http.Server;
  let base: string;
  /** What the handler and the request's later events saw as the active trace. */
  let seen: Record<string, string | undefined> = {};

  const activeTrace = () => trace.getActiveSpan()?.spanContext().traceId;

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    instrumentation.setTracerProvider(provider);
    // Patched by hand: jest loads modules through its own registry, which the require hook does not see.
    for (const definition of instrumentation.getModuleDefinitions()) definition.patch?.(definition.name === 'http' ? http : require('node:https'));
    server = http.createServer((req, res) => {
      seen.handler = activeTrace();
      seen.suppressed = isTracingSuppressed(context.active()) ? 'yes' : 'no';
      // A raw body reader: its listeners are added here, its events come later from the socket.
      req.on('data', () => (seen.data = activeTrace()));
      req.on('end', () => {
        seen.end = activeTrace();
        res.on('finish', () => (seen.finish = activeTrace()));
        res.statusCode = req.url === '/fails' ? 503 : 200;
        res.end('ok');
      });
    });
    server.on('clientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const definition of instrumentation.getModuleDefinitions()) definition.unpatch?.(definition.name === 'http' ? http : require('node:https'));
    await new Promise((resolve) => server.close(resolve));
    contextManager.disable();
    await provider.shutdown();
  });

  beforeEach(() => {
    exporter.reset();
    seen = {};
    sampler = new AlwaysOnSampler();
  });

  /** A POST whose body arrives in a second packet, 100 ms after the headers. */
  function slowPost(path: string, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const request = http.request(`${base}${path}`, { method: 'POST', headers: { 'transfer-encoding': 'chunked', ...headers } }, (response) => {
        response.resume();
        response.on('end', () => setTimeout(() => resolve(response.statusCode ?? 0), 20));
      });
      request.on('error', reject);
      request.flushHeaders();
      setTimeout(() => request.end('{"late":true}'), 100);
    });
  }

  const traceparent = (flags: '00' | '01') => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    return { traceId, header: `00-${traceId}-00f067aa0ba902b7-${flags}` };
  };

  it('records a sampled request as a SERVER span with the HTTP semantic-convention attributes, child of the caller', async () => {
    const { traceId, header } = traceparent('01');
    expect(await slowPost('/orders?page=2', { traceparent: header, 'user-agent': 'test-agent', 'x-forwarded-for': '203.0.113.9, 10.0.0.1' })).toBe(200);
    const [span] = exporter.getFinishedSpans();
    expect(span).toMatchObject({ kind: SpanKind.SERVER, name: 'POST', status: { code: SpanStatusCode.UNSET } });
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.scheme': 'http',
      'url.path': '/orders',
      'url.query': 'page=2',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(base).port),
      'client.address': '203.0.113.9',
      'network.peer.address': '127.0.0.1',
      'network.protocol.version': '1.1',
      'user_agent.original': 'test-agent',
      'http.response.status_code': 200,
    });
  });

  it("runs the handler and every later event of the request and the response in the request's context, sampled or not", async () => {
    for (const [flags, chosen] of [['01', new AlwaysOnSampler()], ['00', new AlwaysOffSampler()]] as const) {
      sampler = chosen;
      seen = {};
      const { traceId, header } = traceparent(flags);
      expect(await slowPost('/orders', { traceparent: header })).toBe(200);
      expect({ flags, ...seen }).toEqual({ flags, handler: traceId, suppressed: 'no', data: traceId, end: traceId, finish: traceId });
    }
    // Only the sampled one was recorded.
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('reads nothing of a request the sampler drops', async () => {
    sampler = new AlwaysOffSampler();
    await slowPost('/orders');
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(seen.handler).toMatch(/^[0-9a-f]{32}$/);
  });

  it('marks a 5xx answer failed (a 4xx is the client\'s error)', async () => {
    await slowPost('/fails');
    expect(exporter.getFinishedSpans()[0]).toMatchObject({ status: { code: SpanStatusCode.ERROR }, attributes: expect.objectContaining({ 'http.response.status_code': 503 }) });
  });

  it('leaves ignored requests (health probes) untraced, in a context that traces nothing they call', async () => {
    await new Promise<void>((resolve) => http.get(`${base}/healthz`, (response) => response.resume().on('end', resolve)));
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(seen.handler).toBeUndefined();
    expect(seen.suppressed).toBe('yes');
  });
});
