import type { AffectedResult } from './affected-projects';
import type { BaseDecision } from './base-commit';

const MAX_FILES_SHOWN = 40;

/** "What is affected and why", for the person reading the pipeline log. */
export function formatReport(decision: BaseDecision, result: AffectedResult, totals: { apps: number; charts: number }): string {
  const short = (sha: string | null) => (sha ? sha.slice(0, 12) : null);
  const lines: string[] = [];
  lines.push(`base  ${short(decision.base) ?? '(none)'}  ${decision.because}`);
  const workingTree = decision.how === 'explicit' && decision.base === null ? '(not used: the changed files were given)' : 'working tree (HEAD + uncommitted + untracked)';
  lines.push(`head  ${short(decision.head) ?? workingTree}`);
  if (decision.base !== null || result.files.length > 0) {
    lines.push(`changed files (${result.files.length}):`);
    const width = Math.min(60, Math.max(0, ...result.files.map((f) => f.file.length)));
    for (const verdict of result.files.slice(0, MAX_FILES_SHOWN)) {
      lines.push(`  ${verdict.file.padEnd(width)}  ${verdict.counts ? '' : '(ignored) '}${verdict.note}`);
    }
    if (result.files.length > MAX_FILES_SHOWN) lines.push(`  … and ${result.files.length - MAX_FILES_SHOWN} more`);
  }
  const section = (title: string, items: Array<{ name: string; reasons: string[] }>, total: number) => {
    lines.push(`${title} affected: ${items.length} of ${total}${items.length === 0 ? ' (nothing to build or deploy)' : ''}`);
    for (const item of items) {
      lines.push(`  ${item.name}`);
      for (const reason of item.reasons) lines.push(`    - ${reason}`);
    }
  };
  section('apps', result.apps, totals.apps);
  section('charts', result.charts, totals.charts);
  return `${lines.join('\n')}\n`;
}
