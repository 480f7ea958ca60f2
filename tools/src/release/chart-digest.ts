import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readChart, type ChartInfo } from '../charts/layout';
import { sha256Digest } from './oci';

/** Files of a chart folder that do not change what helm renders. */
const ignoredAtTop = new Set(['charts', 'Chart.lock', 'README.md', 'project.json']);

function chartFiles(dir: string, relative = ''): string[] {
  const entries = readdirSync(path.join(dir, relative), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  return entries.flatMap((entry) => {
    const rel = relative ? `${relative}/${entry.name}` : entry.name;
    if (!relative && ignoredAtTop.has(entry.name)) return [];
    if (entry.isDirectory()) return chartFiles(dir, rel);
    return entry.isFile() ? [rel] : [];
  });
}

/**
 * Content digest of a chart: every file that reaches `helm template` (templates, values,
 * schema, Chart.yaml), of the chart and of its file:// dependencies. Chart versions are not
 * bumped for every template change, so this is what tells a deploy that a chart changed.
 */
export function chartDigest(chart: ChartInfo): string {
  const lines: string[] = [];
  const visit = (info: ChartInfo, seen: Set<string>) => {
    if (seen.has(info.dir)) return;
    seen.add(info.dir);
    for (const file of chartFiles(info.dir)) {
      lines.push(`${info.name}/${file}\0${createHash('sha256').update(readFileSync(path.join(info.dir, file))).digest('hex')}`);
    }
    for (const dependency of info.localDependencies) visit(readChart(dependency), seen);
  };
  visit(chart, new Set());
  return sha256Digest(lines.sort().join('\n'));
}
