import { z } from 'zod';

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/**
 * An integer read from an environment variable. Env values are strings, and `z.coerce.number()`
 * would accept '', '1e3' or '0x10' and report NaN; this accepts only plain decimal integers and
 * says which range was expected, so the startup error tells the operator what to write.
 */
export function envInteger(opts: { min?: number; max?: number } = {}) {
  const min = opts.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const expected =
    opts.min !== undefined && opts.max !== undefined
      ? `an integer ${min}-${max}`
      : opts.min !== undefined
        ? `an integer >= ${min}`
        : opts.max !== undefined
          ? `an integer <= ${max}`
          : 'an integer';
  const error = `expected ${expected}`;
  return z
    .string({ error })
    .trim()
    .regex(/^[+-]?\d+$/, { error })
    .transform(Number)
    .pipe(z.number().int().min(min, { error }).max(max, { error }));
}

/** Variables every service has (COMMON.md). A service may override one by passing the same key. */
export const baseConfigSchema = z.object({
  HOST: z.string().trim().min(1, { error: 'expected a host name or IP address' }).default('0.0.0.0'),
  PORT: envInteger({ min: 1, max: 65535 }).default(8080),
  /** Set: /healthz/* is served on this port only (the probes' port, which no Service or ingress routes to). */
  HEALTH_PORT: envInteger({ min: 1, max: 65535 }).optional(),
  LOG_LEVEL: z.enum(logLevels, { error: `expected one of ${logLevels.join('|')}` }).default('info'),
  SHUTDOWN_DEADLINE_MS: envInteger({ min: 1, max: 600_000 }).default(10_000),
});
export type BaseConfig = z.infer<typeof baseConfigSchema>;

export interface ConfigIssue {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(`Invalid configuration: ${issues.map((issue) => `${issue.variable}: ${issue.message}`).join('; ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

// A malformed secret must not end up in a log line, so its value is never echoed.
const secretName = /SECRET|PASSWORD|TOKEN|CONNECTION_STRING|(^|_)KEY($|_)/i;
const maxEchoedLength = 60;

function describeValue(variable: string, value: string): string {
  if (secretName.test(variable)) return '(value hidden)';
  const shown = value.length > maxEchoedLength ? `${value.slice(0, maxEchoedLength)}…` : value;
  return `got '${shown}'`;
}

/**
 * Reads the service's configuration from the environment: the base variables plus `shape`.
 * An empty variable counts as unset (templated manifests often render `VAR=""`), so it gets
 * its default or is reported as required. Throws ConfigError naming every bad variable.
 */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): BaseConfig & z.infer<z.ZodObject<S>> {
  const schema = baseConfigSchema.extend(shape);
  const present: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') present[key] = value;
  }
  const result = schema.safeParse(present);
  if (result.success) return result.data as BaseConfig & z.infer<z.ZodObject<S>>;

  const issues = new Map<string, ConfigIssue>();
  for (const issue of result.error.issues) {
    const variable = String(issue.path[0] ?? '(configuration)');
    if (issues.has(variable)) continue;
    const raw = present[variable];
    const message = raw === undefined ? 'required' : `${issue.message}, ${describeValue(variable, raw)}`;
    issues.set(variable, { variable, message });
  }
  throw new ConfigError([...issues.values()]);
}
