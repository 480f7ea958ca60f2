import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express, { Router, type Request } from 'express';
import request from 'supertest';
import { requestPathClass, routeTemplate, staticFiles, trackRouteTemplate, traceLogFields } from './telemetry';

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

describe('requestPathClass', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'static-'));
    writeFileSync(path.join(dir, 'app.js'), 'console.log(1);');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The storefront's shape: a page at '/' and '/index.html', an API route, static files, then 404s. */
  function storefrontLike(seen: string[], withRootRoute: boolean) {
    const app = express();
    app.use((req, res, next) => {
      trackRouteTemplate(req as Request);
      res.once('finish', () => seen.push(`${req.method} ${requestPathClass(req as Request)}`));
      next();
    });
    if (withRootRoute) app.get(['/', '/index.html'], (_req, res) => void res.send('page'));
    app.get('/api/items/:id', (_req, res) => void res.json({}));
    app.use(staticFiles(dir, { index: false }));
    app.use((_req, res) => void res.status(404).send('not found'));
    return app;
  }

  it('names unmatched requests by path class, never by their path', async () => {
    const seen: string[] = [];
    const app = storefrontLike(seen, true);
    await request(app).get('/').expect(200);
    await request(app).get('/index.html').expect(200);
    await request(app).get('/api/items/42').expect(200);
    await request(app).get('/app.js').expect(200);
    await request(app).get('/app.js?v=2').expect(200);
    await request(app).get('/missing.css').expect(404);
    await request(app).get('/wp-login.php?x=1').expect(404);
    await request(app).post('/app.js').expect(404);
    expect(seen).toEqual(['GET /', 'GET /index.html', 'GET /api/items/:id', 'GET /static/*', 'GET /static/*', 'GET (unmatched)', 'GET (unmatched)', 'POST (unmatched)']);
  });

  it('calls a root that no route declares "/"', async () => {
    const seen: string[] = [];
    await request(storefrontLike(seen, false)).get('/?utm=x').expect(404);
    expect(seen).toEqual(['GET /']);
  });
});

describe('traceLogFields', () => {
  it('adds nothing when no span is active (telemetry off)', () => {
    expect(traceLogFields()).toEqual({});
  });
});
