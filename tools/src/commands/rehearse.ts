import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { serveUntilInterrupted } from '../cli/run';
import { environments, parseEnvironment } from '../charts/layout';
import { defaultNamespace } from '../charts/render';
import { defaultRegistryAddress } from '../local/registry/registry-settings';
import { formatBenchmark, runRehearsalBenchmark } from '../../benchmarks/rehearsal';
import { defaultPortBase } from '../local/rehearse/ports';
import { rehearsalDown, rehearse } from '../local/rehearse/run-rehearsal';
import { defaultKubectl } from '../helm/binary';
import { shipyardCacheDir } from '../images/cache-dir';
import { resolveTarget } from '../local/rehearse/kube-deploy';
import { keepForwards, parseForwards } from '../local/rehearse/port-forwards';
import { startServiceProxies } from '../local/rehearse/service-proxy';
import { workspaceRoot } from '../workspace/root';

const optionsSchema = z.object({
  env: z.string(),
  base: z.string().optional(),
  portBase: z.coerce.number().int(),
  registry: z.string(),
  targets: z.string(),
  smokeAttempts: z.coerce.number().int().min(1).max(50),
  cache: z.boolean(),
  target: z.enum(['auto', 'docker', 'kube']),
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  down: z.boolean().optional(),
  dryRun: z.boolean().optional(),
  json: z.boolean().optional(),
});

const write = (text: string) => process.stderr.write(text);

export function rehearseCommand(): Command {
  const command = new Command('rehearse')
    .description(
      "Play the pipeline on this machine with the pipeline's own commands: affected → nx lint/test/build → images → local registry + release → " +
        'per environment: charts rendered with the overlay and release digests and checked → deploy (helm into a Kubernetes cluster — the local one ' +
        'built from the upstream sources, or --kubeconfig — or, without one, the deploy planner converging Docker containers that run each rendered pod spec) ' +
        '→ smoke (rollback to the previous release on failure) → telemetry arrived at the local endpoint. ' +
        'Leaves the environment running; --down stops everything it started.',
    )
    .option('--env <envs>', `environments in promotion order, comma separated (${environments.join(',')})`, 'dev')
    .option('--base <ref>', 'affected base (default: the commit of the previous rehearsal; none = everything)')
    .option('--port-base <port>', 'first loopback port: Services at base+10·env+app, containers at base+100…, telemetry at base+90', String(defaultPortBase))
    .option('--registry <ip:port>', 'local registry address (started if nothing answers there)', defaultRegistryAddress)
    .option('--targets <list>', 'Nx targets run for the affected projects', 'lint,test,build')
    .option('--smoke-attempts <n>', 'attempts per smoke check', '5')
    .addOption(
      new Option('--target <target>', 'deploy into Kubernetes (kube), into Docker containers playing helm (docker), or auto: kube when --kubeconfig is given, the local cluster is up or its binaries are built')
        .choices(['auto', 'docker', 'kube'])
        .default('auto'),
    )
    .option('--kubeconfig <file>', 'deploy to this cluster (kind, k3d, a dev AKS) instead of the local one; its namespace must exist (set-up makes it)')
    .option('--context <name>', 'kubeconfig context (with --kubeconfig)')
    .option('--no-cache', 'reuse neither the Nx cache nor Docker build layers (a cold run; base images are still reused)')
    .option('--down', 'stop and remove everything a rehearsal started (containers, Service stand-ins or port-forwards, telemetry endpoint, the local cluster and the registry if it started them)')
    .option('--dry-run', 'with --down: say what would be stopped')
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText('after', '\nExamples:\n  npm run rehearse\n  npm run rehearse -- --target kube\n  npm run rehearse -- --env dev,staging,prod\n  npm run rehearse -- --kubeconfig ~/.kube/config --context kind-dev\n  npm run rehearse -- --down\n')
    .action(async (raw) => {
      const options = optionsSchema.parse(raw);
      if (options.down) {
        const done = await rehearsalDown(workspaceRoot, write, { dryRun: options.dryRun });
        if (options.json) process.stdout.write(`${JSON.stringify({ down: done }, null, 2)}\n`);
        return;
      }
      if (options.dryRun) throw new CliError('--dry-run applies to --down only (a rehearsal changes only local, disposable state)', ExitCode.usage);
      const envs = options.env.split(',').map((value) => parseEnvironment(value.trim()));
      const ordered = environments.filter((environment) => envs.includes(environment));
      if (options.context && !options.kubeconfig) throw new CliError('--context selects a context of --kubeconfig: give both', ExitCode.usage);
      if (options.kubeconfig && !existsSync(options.kubeconfig)) throw new CliError(`--kubeconfig ${options.kubeconfig}: no such file`, ExitCode.usage);
      const target = await resolveTarget(options.target, options.kubeconfig && path.resolve(options.kubeconfig), shipyardCacheDir());
      const outcome = await rehearse({
        root: workspaceRoot,
        environments: ordered,
        base: options.base,
        portBase: options.portBase,
        registry: options.registry,
        targets: options.targets.split(',').map((t) => t.trim()).filter(Boolean),
        namespace: defaultNamespace,
        smokeAttempts: options.smokeAttempts,
        cache: options.cache,
        target,
        kubeconfig: options.kubeconfig && path.resolve(options.kubeconfig),
        kubeContext: options.context,
        write,
      });
      if (options.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
      if (!outcome.ok) process.exitCode = ExitCode.failed;
    });

  command
    .command('services')
    .description('(started by rehearse) the Service stand-ins: loopback TCP relays to the container each routes-file entry names')
    .requiredOption('--routes <file>', 'routes file (service port → container port)')
    .requiredOption('--ports <list>', 'service ports to listen on, comma separated')
    .action(async (raw: { routes: string; ports: string }) => {
      const ports = raw.ports.split(',').map(Number);
      if (ports.some((p) => !Number.isInteger(p) || p <= 0)) throw new CliError(`--ports ${raw.ports}: expected port numbers`, ExitCode.usage);
      let stop;
      try {
        stop = await startServiceProxies(ports, raw.routes);
      } catch (error) {
        throw new CliError(`cannot listen: ${(error as Error).message}`, ExitCode.environment);
      }
      process.stderr.write(`[services] listening on 127.0.0.1:${ports.join(',')}\n`);
      await serveUntilInterrupted(stop);
    });

  command
    .command('forward')
    .description(
      "(started by rehearse with a kube target) keeps kubectl port-forward of each app's Service on 127.0.0.1, restarting a forward a rollout ended; " +
        "the cluster is rehearse's --kubeconfig (and --context), e.g. shipyard rehearse --kubeconfig k.yaml forward --namespace shipyard --forward storefront=18002",
    )
    .requiredOption('--namespace <name>', 'namespace of the Services')
    .requiredOption('--forward <app=port>', 'Service and loopback port (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .action(async (_raw: unknown, self: Command) => {
      // --kubeconfig and --context belong to `rehearse` itself: commander gives them to the parent.
      const raw = z.object({ kubeconfig: z.string().optional(), context: z.string().optional(), namespace: z.string(), forward: z.array(z.string()) }).parse(self.optsWithGlobals());
      if (!raw.kubeconfig) throw new CliError('rehearse forward needs the cluster: shipyard rehearse --kubeconfig <file> forward …', ExitCode.usage);
      const specs = parseForwards(raw.forward);
      const kubectl = await defaultKubectl();
      const stop = keepForwards(specs, { kubeconfig: raw.kubeconfig, context: raw.context, namespace: raw.namespace, kubectl }, (line) => process.stderr.write(`[forward] ${line}\n`));
      process.stderr.write(`[forward] forwarding ${specs.map((spec) => `127.0.0.1:${spec.port} → svc/${spec.app}`).join(', ')}\n`);
      await serveUntilInterrupted(stop);
    });

  command
    .command('benchmark')
    .description(
      'Cold rehearsal (base images present) vs warm rehearsal after a one-line change in one service, in a temporary clone; prints both and the ratio (target ≤ 0.3×). ' +
        "Takes rehearse's --targets, --target and --port-base (e.g. shipyard rehearse --target kube --targets lint,build benchmark).",
    )
    .option('--app <app>', 'service to change', 'catalog-api')
    .option('--json', 'print the figures as JSON')
    .action(async (_raw: unknown, self: Command) => {
      const raw = z.object({ app: z.string(), targets: z.string(), portBase: z.coerce.number().int(), target: z.enum(['auto', 'docker', 'kube']), json: z.boolean().optional() }).parse(self.optsWithGlobals());
      const result = await runRehearsalBenchmark({ app: raw.app, targets: raw.targets, portBase: raw.portBase, target: raw.target, log: (line) => process.stderr.write(`[benchmark] ${line}\n`) });
      if (raw.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`${formatBenchmark(result)}\n`);
    });
  return command;
}
