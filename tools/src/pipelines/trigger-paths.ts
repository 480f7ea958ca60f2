import { existsSync } from 'node:fs';
import path from 'node:path';
import { diagnostic, get, scalarText, type Diagnostic, type PNode } from './yaml-tree';

/**
 * Trigger and PR path filters must name files or folders that exist: a typo there silently
 * stops (include) or never stops (exclude) the pipeline. With a wildcard, the folder before it
 * must exist.
 */
export function checkTriggerPaths(root: PNode, repositoryRoot: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const trigger of ['trigger', 'pr']) {
    const paths = get(get(root, trigger), 'paths');
    for (const list of ['include', 'exclude']) {
      const node = get(paths, list);
      if (node?.kind !== 'seq') continue;
      for (const item of node.items) {
        const text = scalarText(item);
        if (!text || text.includes('$(') || text.includes('${{')) continue;
        const relative = text.replace(/^\/+/, '');
        const wildcard = relative.search(/[*?[]/);
        const literal = wildcard === -1 ? relative : relative.slice(0, relative.lastIndexOf('/', wildcard) + 1);
        const target = path.join(repositoryRoot, literal);
        if (literal !== '' && !existsSync(target)) {
          diagnostics.push(
            diagnostic('error', item.loc, 'trigger-path', `${trigger}.paths.${list} names "${text}", but ${wildcard === -1 ? 'no such file or folder exists' : `the folder "${literal}" does not exist`}`),
          );
        }
      }
    }
  }
  return diagnostics;
}
