import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findChart } from './layout';
import { libraryHelperProblems } from './library-docs';

describe('library chart conventions', () => {
  it('hold for charts/common', () => {
    expect(libraryHelperProblems(path.join(findChart('common').dir, 'templates'))).toEqual([]);
  });

  it('catch a misnamed helper, a helper without usage comment, and a file not named _<concern>.tpl', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-lib-'));
    try {
      writeFileSync(path.join(dir, '_names.tpl'), '{{/*\nUsage:\n{{ include "common.names.name" . }}\n*/}}\n{{- define "common.names.name" -}}x{{- end -}}\n\n{{- define "common.labels.other" -}}y{{- end -}}\n');
      writeFileSync(path.join(dir, 'helpers.tpl'), '{{- define "x" -}}{{- end -}}\n');
      expect(libraryHelperProblems(dir)).toEqual([
        '_names.tpl: helper "common.labels.other" must be named common.names.<thing>',
        '_names.tpl: helper "common.labels.other" needs a comment with a Usage line right above it',
        'helpers.tpl: library templates are named _<concern>.tpl',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
