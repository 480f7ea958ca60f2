import { mkdtempSync, rmSync, writeFileSync, copyFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scanForSecrets } from './secret-scan';
import { listRepositoryFiles } from './tracked-files';

const workspaceRoot = path.resolve(__dirname, '..', '..', '..');

describe('secret scan', () => {
  it('finds no keys, tokens or connection strings in the repository', () => {
    const files = listRepositoryFiles(workspaceRoot);
    expect(files.length).toBeGreaterThan(20);
    const findings = scanForSecrets(workspaceRoot, files);
    expect(findings).toEqual([]);
  }, 120_000);

  describe('catches what it is configured to catch', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'shipyard-secrets-'));
      copyFileSync(path.join(workspaceRoot, '.secretlintrc.json'), path.join(dir, '.secretlintrc.json'));
      symlinkSync(path.join(workspaceRoot, 'node_modules'), path.join(dir, 'node_modules'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    // Built at run time so the repository itself never holds a string that looks real.
    const guid = ['3f2504e0', '4f89', '41d3', '9a0c', '0305e82c3301'].join('-');
    const cases: [string, string][] = [
      ['an Application Insights connection string', `APPLICATIONINSIGHTS_CONNECTION_STRING=InstrumentationKey=${guid};IngestionEndpoint=https://x.example/`],
      ['a storage account key', `DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${'Zm9vYmFy'.repeat(8)}==`],
      ['a private key', [`-----BEGIN ${'RSA'} PRIVATE KEY-----`, ...Array.from({ length: 6 }, () => 'MIIEowIBAAKCAQEA'.repeat(4)), `-----END ${'RSA'} PRIVATE KEY-----`].join('\n')],
    ];
    it.each(cases)('%s', (_label, content) => {
      writeFileSync(path.join(dir, 'leak.txt'), `${content}\n`);
      const findings = scanForSecrets(dir, ['leak.txt']);
      expect(findings.length).toBeGreaterThan(0);
      expect(findings[0]).toMatchObject({ file: 'leak.txt', line: 1 });
    }, 60_000);

    it('accepts the obviously fake instrumentation keys (00000000-0000-…) that local runs use', () => {
      writeFileSync(path.join(dir, 'local.txt'), 'InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=https://127.0.0.1:4318/\n');
      expect(scanForSecrets(dir, ['local.txt'])).toEqual([]);
    }, 60_000);
  });
});
