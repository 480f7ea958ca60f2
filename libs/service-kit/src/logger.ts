import { pino, type DestinationStream, type Logger } from 'pino';
import { traceLogFields } from './telemetry';

/** Header values that must never reach the logs (pino-http logs request and response headers). */
const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
];

/**
 * One JSON object per line on stdout: what container log collectors (Container Insights,
 * `kubectl logs`) expect. Levels are written as names so queries read `level == "error"`.
 */
export function createLogger(opts: { service: string; level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: opts.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      // trace_id/span_id of the active span: log lines join their request in Application Insights.
      mixin: traceLogFields,
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A logger that writes nothing: the default for contexts built in tests. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
