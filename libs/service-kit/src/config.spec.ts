import { z } from 'zod';
import { ConfigError, envInteger, loadConfig } from './config';

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults when nothing is set', () => {
    expect(loadConfig({}, {})).toEqual({ HOST: '0.0.0.0', PORT: 8080, LOG_LEVEL: 'info', SHUTDOWN_DEADLINE_MS: 10_000 });
  });

  it('reads and converts set variables, and keeps only declared ones', () => {
    const config = loadConfig(
      { CATALOG_BASE_URL: z.url(), CATALOG_RETRIES: envInteger({ min: 0, max: 10 }).default(2) },
      { HOST: '127.0.0.1', PORT: '3002', LOG_LEVEL: 'debug', SHUTDOWN_DEADLINE_MS: '500', CATALOG_BASE_URL: 'http://127.0.0.1:3001', UNRELATED: 'x' },
    );
    expect(config).toEqual({
      HOST: '127.0.0.1',
      PORT: 3002,
      LOG_LEVEL: 'debug',
      SHUTDOWN_DEADLINE_MS: 500,
      CATALOG_BASE_URL: 'http://127.0.0.1:3001',
      CATALOG_RETRIES: 2,
    });
  });

  it('names a missing required variable', () => {
    const error = configErrorOf(() => loadConfig({ CATALOG_BASE_URL: z.url() }, {}));
    expect(error.issues).toEqual([{ variable: 'CATALOG_BASE_URL', message: 'required' }]);
    expect(error.message).toContain('CATALOG_BASE_URL: required');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({}, { PORT: '' }).PORT).toBe(8080);
    expect(configErrorOf(() => loadConfig({ CATALOG_BASE_URL: z.url() }, { CATALOG_BASE_URL: '' })).issues).toEqual([
      { variable: 'CATALOG_BASE_URL', message: 'required' },
    ]);
  });

  it.each([
    ['abc', "expected an integer 1-65535, got 'abc'"],
    ['0', "expected an integer 1-65535, got '0'"],
    ['70000', "expected an integer 1-65535, got '70000'"],
    ['80.5', "expected an integer 1-65535, got '80.5'"],
    ['1e3', "expected an integer 1-65535, got '1e3'"],
  ])('rejects PORT=%s and says what was expected', (value, message) => {
    expect(configErrorOf(() => loadConfig({}, { PORT: value })).issues).toEqual([{ variable: 'PORT', message }]);
  });

  it('reports every bad variable at once, one issue per variable', () => {
    const error = configErrorOf(() =>
      loadConfig({ CHECKOUT_BASE_URL: z.url() }, { LOG_LEVEL: 'loud', SHUTDOWN_DEADLINE_MS: '-1', CHECKOUT_BASE_URL: 'not a url' }),
    );
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual(['CHECKOUT_BASE_URL', 'LOG_LEVEL', 'SHUTDOWN_DEADLINE_MS']);
    expect(error.issues.find((issue) => issue.variable === 'LOG_LEVEL')?.message).toBe(
      "expected one of trace|debug|info|warn|error|fatal|silent, got 'loud'",
    );
    expect(error.message).toMatch(/^Invalid configuration: .*CHECKOUT_BASE_URL: .*got 'not a url'/);
  });

  it('never echoes the value of a secret-looking variable', () => {
    const error = configErrorOf(() =>
      loadConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().startsWith('InstrumentationKey=') }, {
        APPLICATIONINSIGHTS_CONNECTION_STRING: 'hunter2-not-a-connection-string',
      }),
    );
    expect(error.message).not.toContain('hunter2');
    expect(error.issues[0]).toMatchObject({ variable: 'APPLICATIONINSIGHTS_CONNECTION_STRING' });
    expect(error.issues[0].message).toContain('(value hidden)');
  });

  it('lets a service override a base variable', () => {
    expect(loadConfig({ PORT: envInteger({ min: 1, max: 65535 }).default(3001) }, {}).PORT).toBe(3001);
  });

  it('reads process.env when no env is passed', () => {
    const saved = process.env.SERVICE_KIT_SPEC_VALUE;
    process.env.SERVICE_KIT_SPEC_VALUE = 'from-process-env';
    try {
      expect(loadConfig({ SERVICE_KIT_SPEC_VALUE: z.string() }).SERVICE_KIT_SPEC_VALUE).toBe('from-process-env');
    } finally {
      if (saved === undefined) delete process.env.SERVICE_KIT_SPEC_VALUE;
      else process.env.SERVICE_KIT_SPEC_VALUE = saved;
    }
  });
});

describe('envInteger', () => {
  it('accepts signed decimal integers with surrounding spaces and describes one-sided ranges', () => {
    expect(envInteger({ min: -5 }).parse(' -3 ')).toBe(-3);
    expect(envInteger().parse('+42')).toBe(42);
    expect(envInteger({ min: 0 }).safeParse('-1').error?.issues[0].message).toBe('expected an integer >= 0');
    expect(envInteger({ max: 9 }).safeParse('10').error?.issues[0].message).toBe('expected an integer <= 9');
    expect(envInteger().safeParse('0x10').error?.issues[0].message).toBe('expected an integer');
  });
});
