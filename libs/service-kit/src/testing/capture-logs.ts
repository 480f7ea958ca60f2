import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../logger';

export interface CapturedLogs {
  logger: Logger;
  /** Every line written so far, parsed. */
  readonly entries: Record<string, unknown>[];
}

/** A real (JSON, redacting) service logger that records its lines in memory, for asserting on logs in tests. */
export function captureLogs(service = 'test', level = 'info'): CapturedLogs {
  const entries: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') entries.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger({ service, level, destination }), entries };
}
