import path from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { serveUntilInterrupted } from '../cli/run';
import { runTelemetryBenchmark } from '../telemetry-endpoint/benchmark';
import { loadOrCreateCertificate } from '../telemetry-endpoint/certificate';
import { startTelemetryEndpoint, type IngestionFault } from '../telemetry-endpoint/server';
import { workspaceRoot } from '../workspace/root';

const serveOptions = z.object({
  port: z.coerce.number().int().min(0).max(65_535),
  host: z.enum(['127.0.0.1', '::1', 'localhost']),
  dataFile: z.string().min(1),
  certDir: z.string().min(1),
  reset: z.boolean().default(false),
  fault: z.enum(['none', '500', '429', 'hang']),
  json: z.boolean().default(false),
  allowOrigin: z.array(z.url({ protocol: /^https?$/ }).transform((value) => new URL(value).origin)).min(1),
});

/** `npm start` serves the storefront on port 3000. */
const defaultPageOrigins = ['http://127.0.0.1:3000', 'http://localhost:3000'];

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function telemetryCommand(): Command {
  const telemetry = new Command('telemetry').description('Local stand-in for Application Insights: review health, performance and usage without Azure.');
  telemetry
    .command('serve')
    .description(
      'Start an HTTPS ingestion endpoint on loopback (self-signed certificate, cached) that accepts what the ' +
        'Application Insights SDKs send (POST /v2.1/track and /v2/track, JSON arrays, NDJSON, gzip), stores it as JSONL, ' +
        'and shows requests, failures, p50/p95, the application map, exceptions and page views per cloud role at / and /api/summary.',
    )
    .option('--port <port>', 'port to listen on (0 = any free port)', '4318')
    .addOption(new Option('--host <host>', 'loopback address to bind').choices(['127.0.0.1', '::1', 'localhost']).default('127.0.0.1'))
    .option('--data-file <file>', 'JSONL file the envelopes are appended to', path.join(workspaceRoot, 'tmp', 'telemetry', 'envelopes.jsonl'))
    .option('--cert-dir <dir>', 'where the generated certificate and key are cached', path.join(workspaceRoot, '.cache', 'telemetry-endpoint'))
    .option('--reset', 'empty the data file instead of loading what it holds')
    .addOption(new Option('--fault <fault>', 'answer track requests like an ingestion outage (rehearse "ingestion down")').choices(['none', '500', '429', 'hang']).default('none'))
    .option('--json', 'print the connection details as one JSON line')
    .option('--allow-origin <origin>', `page origin whose browser SDK may post here (CORS); repeatable; default ${defaultPageOrigins.join(', ')}`, collect)
    .addHelpText(
      'after',
      '\nThen start a service with the printed variables, e.g.\n' +
        '  APPLICATIONINSIGHTS_CONNECTION_STRING="…" NODE_EXTRA_CA_CERTS=<ca path> npx nx run catalog-api:serve\n' +
        'and open the printed URL.',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = serveOptions.parse({ ...raw, allowOrigin: raw.allowOrigin ?? defaultPageOrigins });
      const cert = await loadOrCreateCertificate(path.resolve(options.certDir));
      process.stderr.write(`[telemetry] ${cert.generated ? 'generated' : 'reusing'} certificate ${cert.certPath}\n`);
      let endpoint;
      try {
        endpoint = await startTelemetryEndpoint({
          host: options.host === 'localhost' ? '127.0.0.1' : options.host,
          port: options.port,
          dataFile: path.resolve(options.dataFile),
          key: cert.key,
          cert: cert.cert,
          reset: options.reset,
          fault: options.fault as IngestionFault,
          allowedOrigins: options.allowOrigin,
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new CliError(`cannot listen on ${options.host}:${options.port}: ${code ?? (error as Error).message}`, ExitCode.environment);
      }
      const details = {
        url: endpoint.url,
        connectionString: endpoint.connectionString,
        caCertificate: cert.certPath,
        dataFile: path.resolve(options.dataFile),
        fault: options.fault,
      };
      if (options.json) process.stdout.write(`${JSON.stringify(details)}\n`);
      else
        process.stdout.write(
          [
            `telemetry endpoint listening on ${endpoint.url} (page: ${endpoint.url}/, JSON: ${endpoint.url}/api/summary)`,
            `APPLICATIONINSIGHTS_CONNECTION_STRING="${endpoint.connectionString}"`,
            `NODE_EXTRA_CA_CERTS="${cert.certPath}"`,
            `envelopes are appended to ${details.dataFile}${options.fault === 'none' ? '' : ` · simulating ingestion fault ${options.fault}`}`,
            '',
          ].join('\n'),
        );
      await serveUntilInterrupted(() => endpoint.stop());
    });
  telemetry
    .command('benchmark')
    .description(
      'Load catalog-api on loopback (autocannon) with telemetry off and on (exporting to a local endpoint), in one run, ' +
        'and print throughput, p50/p99 and the on/off ratio. Target: ≥ 0.85× throughput, p99 ≤ +2 ms. Needs a built catalog-api and telemetry (nx build).',
    )
    .option('--duration <seconds>', 'seconds of load per round and mode', '8')
    .option('--connections <n>', 'concurrent connections', '10')
    .option('--rounds <n>', 'rounds per mode, interleaved off/on', '2')
    .addOption(new Option('--sampling <mode>', 'full: every request recorded (worst case); default: the SDK rate limit of 5 traces/s').choices(['full', 'default']).default('full'))
    .option('--cert-dir <dir>', 'where the endpoint certificate is cached', path.join(workspaceRoot, '.cache', 'telemetry-endpoint'))
    .option('--json', 'print the figures as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const options = benchmarkOptions.parse(raw);
      const result = await runTelemetryBenchmark({ ...options, durationSeconds: options.duration, progress: (line) => process.stderr.write(`[benchmark] ${line}\n`) });
      if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else
        process.stdout.write(
          [
            `catalog-api GET /products/:id, ${options.connections} connections, ${options.rounds}×${options.duration}s per mode, sampling ${options.sampling} (medians)`,
            `telemetry off: ${result.off.requestsPerSecond.toFixed(0)} req/s, p50 ${result.off.p50Ms} ms, p99 ${result.off.p99Ms} ms`,
            `telemetry on:  ${result.on.requestsPerSecond.toFixed(0)} req/s, p50 ${result.on.p50Ms} ms, p99 ${result.on.p99Ms} ms (${result.envelopesReceived} envelopes received)`,
            `throughput ratio on/off: ${result.throughputRatio.toFixed(3)} (target ≥ 0.85) · p99 delta: ${result.p99DeltaMs >= 0 ? '+' : ''}${result.p99DeltaMs} ms (target ≤ +2 ms) · ${result.meetsTarget ? 'meets target' : 'MISSES target'}`,
            '',
          ].join('\n'),
        );
      if (!result.meetsTarget) process.exitCode = ExitCode.failed;
    });
  return telemetry;
}

const benchmarkOptions = z.object({
  duration: z.coerce.number().int().min(1).max(600),
  connections: z.coerce.number().int().min(1).max(1000),
  rounds: z.coerce.number().int().min(1).max(20),
  sampling: z.enum(['full', 'default']),
  certDir: z.string().min(1),
  json: z.boolean().default(false),
});
