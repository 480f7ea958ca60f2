/**
 * The preload runs before the service has a logger; its few lines use the same JSON shape as
 * the services' pino logs (numeric level, time, service, msg) so log queries treat them alike.
 */
const levels = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type PreloadLogLevel = keyof typeof levels;
export type PreloadLog = (level: PreloadLogLevel, msg: string, fields?: Record<string, unknown>) => void;

export function createPreloadLog(
  service: string,
  env: Record<string, string | undefined>,
  write: (line: string) => void = (line) => process.stdout.write(line),
): PreloadLog {
  const configured = (env['LOG_LEVEL'] ?? 'info').trim().toLowerCase();
  const threshold = configured === 'silent' ? Infinity : (levels[configured as PreloadLogLevel] ?? levels.info);
  return (level, msg, fields) => {
    if (levels[level] < threshold) return;
    write(`${JSON.stringify({ level: levels[level], time: Date.now(), pid: process.pid, service, component: 'telemetry', ...fields, msg })}\n`);
  };
}
