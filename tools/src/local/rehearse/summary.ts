export type StageResult = 'ok' | 'failed' | 'skipped' | 'rolled back';

export interface StageRecord {
  stage: string;
  did: string;
  durationMs: number;
  result: StageResult;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  // Round once, then split: 179.6 s is 3 min 0 s, not 2 min 60 s.
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** A plain-text table: column widths from the longest cell, "what it did" wrapped to `width`. */
export function formatSummary(stages: readonly StageRecord[], width = 60): string {
  const header = ['stage', 'what it did', 'duration', 'result'];
  const rows = stages.map((s) => [s.stage, s.did, formatDuration(s.durationMs), s.result]);
  const wrap = (text: string) => {
    const lines: string[] = [];
    let line = '';
    for (const word of text.split(/\s+/)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    return [...lines, line];
  };
  const wrapped = rows.map((row) => row.map((cell, index) => (index === 1 ? wrap(cell) : [cell])));
  const widths = header.map((title, index) => Math.max(title.length, ...wrapped.flatMap((row) => row[index].map((l) => l.length))));
  const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index])).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w)))];
  for (const row of wrapped) {
    const height = Math.max(...row.map((cell) => cell.length));
    for (let i = 0; i < height; i += 1) out.push(line(row.map((cell) => cell[i] ?? '')));
  }
  const total = stages.reduce((sum, s) => sum + s.durationMs, 0);
  out.push(`total ${formatDuration(total)}; ${stages.filter((s) => s.result === 'failed' || s.result === 'rolled back').length === 0 ? 'every stage succeeded' : 'NOT every stage succeeded'}`);
  return out.join('\n');
}

/** "[rehearse 1:23] message": one line per step, with the time since the rehearsal began. */
export function progressLine(elapsedMs: number, message: string): string {
  const seconds = Math.floor(elapsedMs / 1000);
  return `[rehearse ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}] ${message}`;
}

/** What Nx's closing line says it ran ("for 6 projects", "for project catalog-api"), for the summary. */
export function nxRan(output: string): string {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const many = /Successfully ran targets? [^\n]*? for (\d+) projects?/.exec(plain);
  if (many) return `${many[1]} projects`;
  const one = /Successfully ran targets? [^\n]*? for project (\S+)/.exec(plain);
  if (one) return `project ${one[1]}`;
  return /No tasks were run/.test(plain) ? 'no affected project' : 'done';
}
