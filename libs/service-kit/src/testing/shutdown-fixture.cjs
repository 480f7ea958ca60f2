'use strict';
// A real service process for the integration tests, built from the compiled library exactly as an
// app's compiled main.js would use it (no TypeScript loader in the child).
//   FIXTURE_WORK_MS   how long GET /work takes (default 200)
//   FIXTURE_GREETING  required, echoed by GET /work (to prove config errors stop the process)
const { z } = require('zod');
const { createApp, envInteger, runService } = require('../../dist/index.js');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

void runService({
  name: 'shutdown-fixture',
  config: {
    FIXTURE_WORK_MS: envInteger({ min: 0, max: 60_000 }).default(200),
    FIXTURE_GREETING: z.string().min(1),
  },
  setup: (ctx) => {
    ctx.lifecycle.onShutdown('fixture-flush', async () => {
      await sleep(20);
      ctx.logger.info('fixture hook ran');
    });
    return createApp(ctx, (app) => {
      app.get('/work', async (req, res) => {
        req.log.info('work started');
        await sleep(ctx.config.FIXTURE_WORK_MS);
        res.json({ greeting: ctx.config.FIXTURE_GREETING, id: req.id });
      });
    });
  },
});
