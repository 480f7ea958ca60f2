import path from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { serveUntilInterrupted } from '../cli/run';
import { runCommand } from '../process/run-command';
import { formatTable, runTelemetryBenchmark } from '../../benchmarks/telemetry-overhead';
import { loadOrCreateCertificate } from '../local/telemetry-endpoint/certificate';
import { startTelemetryEndpoint, type IngestionFault } from '../local/telemetry-endpoint/server';
import { workspaceRoot } from '../workspace/root';

const serveOptions = z.object({
  port: z.coerce.number().int().min(0).max(65_535),
  host: z.enum(['127.0.0.1', '::1', 'localhost']),
  dataFile: z.string().min(1),
  certDir: z.string().min(1),
  reset: z.boolean().default(false),
  fault: z.enum(['none', '500', '429', 'hang', 'slow']),
  json: z.boolean().default(false),
  allowOrigin: z.array(z.url({ protocol: /^https?$/ }).transform((value) => new URL(value).origin)).min(1),
  nodeAddress: z.array(z.ipv4()).default([]),
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
    .addOption(new Option('--fault <fault>', 'answer track requests like an ingestion outage (rehearse "ingestion down")').choices(['none', '500', '429', 'hang', 'slow']).default('none'))
    .option('--json', 'print the connection details as one JSON line')
    .option('--allow-origin <origin>', `page origin whose browser SDK may post here (CORS); repeatable; default ${defaultPageOrigins.join(', ')}`, collect)
    .option('--node-address <ip>', "also name this private address in the certificate: a local cluster's node address, where its pods reach the endpoint through the cluster's forwarder (repeatable)", collect)
    .addHelpText(
      'after',
      '\nThen start a service with the printed variables, e.g.\n' +
        '  APPLICATIONINSIGHTS_CONNECTION_STRING="…" NODE_EXTRA_CA_CERTS=<ca path> npx nx run catalog-api:serve\n' +
        'and open the printed URL.',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = serveOptions.parse({ ...raw, allowOrigin: raw.allowOrigin ?? defaultPageOrigins });
      const cert = await loadOrCreateCertificate(path.resolve(options.certDir), new Date(), options.nodeAddress);
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
      'Load catalog-api on loopback with telemetry off and on (exporting to a local endpoint): the service pinned to one core, ' +
        'the load generator and the endpoint to another, configurations interleaved round by round; prints medians, spread, ' +
        'CPU µs per request and the on/off ratios. Targets: default sampling ≥ 0.85× off with p99 ≤ +2 ms, full sampling ≥ 0.6×. ' +
        '--table features prices each telemetry feature one at a time. Needs a built catalog-api and telemetry (nx build), taskset and 2 cores.',
    )
    .option('--duration <seconds>', 'seconds of load per round and configuration', '8')
    .option('--connections <n>', 'concurrent connections', '10')
    .option('--rounds <n>', 'rounds, interleaved across configurations', '5')
    .addOption(new Option('--table <table>', 'targets: off and the shipped defaults; features: each feature added one at a time').choices(['targets', 'features']).default('targets'))
    .addOption(new Option('--load-generator <tool>', 'wrk (apt install wrk) or autocannon, run as its own process').choices(['wrk', 'autocannon']))
    .option('--service-cpu <n>', 'core the service is pinned to', '0')
    .option('--load-cpu <n>', 'core of the load generator and the ingestion endpoint', '1')
    .option('--cert-dir <dir>', 'where the endpoint certificate is cached', path.join(workspaceRoot, '.cache', 'telemetry-endpoint'))
    .option('--json', 'print the figures as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const options = benchmarkOptions.parse(raw);
      const loadGenerator = options.loadGenerator ?? ((await onPath('wrk')) ? 'wrk' : 'autocannon');
      const result = await runTelemetryBenchmark({
        ...options,
        loadGenerator,
        durationSeconds: options.duration,
        progress: (line) => process.stderr.write(`[benchmark] ${line}\n`),
      });
      if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        const lines = [
          `catalog-api GET /products/:id · ${loadGenerator}, ${options.connections} connections · ${options.rounds} interleaved rounds × ${options.duration}s · service on core ${options.serviceCpu}, load and ingestion on core ${options.loadCpu} · load average after: ${result.loadAverage}`,
          '',
          formatTable(result),
          '',
        ];
        const t = result.targets;
        if (t)
          lines.push(
            `default sampling: ${t.defaultSamplingRatio.toFixed(3)}× off (target ≥ 0.85, aim 0.9) · p99 ${t.defaultSamplingP99DeltaMs >= 0 ? '+' : ''}${t.defaultSamplingP99DeltaMs} ms (target ≤ +2 ms)`,
            `full sampling:    ${t.fullSamplingRatio.toFixed(3)}× off (target ≥ 0.6)`,
            `${result.envelopesReceived} envelopes received · ${t.met ? 'meets the targets' : 'MISSES a target'}`,
            '',
          );
        process.stdout.write(lines.join('\n'));
      }
      if (result.targets && !result.targets.met) process.exitCode = ExitCode.failed;
    });
  return telemetry;
}

const benchmarkOptions = z.object({
  duration: z.coerce.number().int().min(1).max(600),
  connections: z.coerce.number().int().min(1).max(1000),
  rounds: z.coerce.number().int().min(1).max(20),
  table: z.enum(['targets', 'features']),
  loadGenerator: z.enum(['wrk', 'autocannon']).optional(),
  serviceCpu: z.coerce.number().int().min(0).max(1023),
  loadCpu: z.coerce.number().int().min(0).max(1023),
  certDir: z.string().min(1),
  json: z.boolean().default(false),
});

async function onPath(program: string): Promise<boolean> {
  return (await runCommand('sh', ['-c', `command -v ${program}`], { allowExitCodes: [1, 127] })).exitCode === 0;
}
