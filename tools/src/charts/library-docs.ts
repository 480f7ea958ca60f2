import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Conventions of the library chart (after Bitnami common): one `_<concern>.tpl` per concern,
 * every helper named `common.<concern>.<thing>` after its file, each with a usage comment
 * right above it. Returns the violations.
 */
export function libraryHelperProblems(templatesDir: string): string[] {
  const problems: string[] = [];
  for (const file of readdirSync(templatesDir).filter((f) => f.endsWith('.tpl')).sort()) {
    const concern = /^_([a-z][a-zA-Z]*)\.tpl$/.exec(file)?.[1];
    if (!concern) {
      problems.push(`${file}: library templates are named _<concern>.tpl`);
      continue;
    }
    const text = readFileSync(path.join(templatesDir, file), 'utf8');
    const definePattern = /\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}/g;
    for (const match of text.matchAll(definePattern)) {
      const name = match[1];
      const parts = name.split('.');
      if (parts.length !== 3 || parts[0] !== 'common' || parts[1].toLowerCase() !== concern.toLowerCase()) {
        problems.push(`${file}: helper "${name}" must be named common.${concern}.<thing>`);
      }
      const before = text.slice(0, match.index).trimEnd();
      if (!before.endsWith('*/}}') || !/Usage/.test(before.slice(before.lastIndexOf('{{/*')))) {
        problems.push(`${file}: helper "${name}" needs a comment with a Usage line right above it`);
      }
    }
  }
  return problems;
}
