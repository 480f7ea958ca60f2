import express, { Router, type Request } from 'express';
import request from 'supertest';
import { routeTemplate, trackRouteTemplate, traceLogFields } from './telemetry';

/** An app that reports the template each request matched, read when the response finishes (as the span namer does). */
function appReportingTemplates(seen: (string | undefined)[]) {
  const app = express();
  app.use((req, res, next) => {
    trackRouteTemplate(req as Request);
    res.once('finish', () => seen.push(routeTemplate(req as Request)));
    next();
  });
  const products = Router();
  products.get('/:id', (req, res) => {
    if (req.params.id === 'broken') throw new Error('boom');
    res.json({});
  });
  app.use('/products', products);
  app.get('/healthz/live', (_req, res) => void res.send('ok'));
  app.post('/quotes', async () => {
    throw new Error('boom');
  });
  app.use('/api/catalog', (req, res) => {
    if (req.path === '/down') throw new Error('upstream down');
    res.send('proxied');
  });
  return app;
}

describe('routeTemplate', () => {
  it('names requests by the matched template, with router and middleware mount paths, and nothing for 404s', async () => {
    const seen: (string | undefined)[] = [];
    const app = appReportingTemplates(seen);
    await request(app).get('/products/p-123');
    await request(app).get('/healthz/live');
    await request(app).post('/quotes');
    await request(app).get('/api/catalog/products?limit=5');
    await request(app).get('/nowhere');
    // Errors leave routers and mounts before the response is written: the template survives.
    await request(app).get('/products/broken');
    await request(app).get('/api/catalog/down');
    expect(seen).toEqual(['/products/:id', '/healthz/live', '/quotes', '/api/catalog/*path', undefined, '/products/:id', '/api/catalog/*path']);
  });
});

describe('traceLogFields', () => {
  it('adds nothing when no span is active (telemetry off)', () => {
    expect(traceLogFields()).toEqual({});
  });
});
