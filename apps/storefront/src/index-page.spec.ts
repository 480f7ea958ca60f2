import { renderIndex, serializeForScriptBlock } from './index-page';

describe('renderIndex', () => {
  it('fills the config block of the shipped index.html', () => {
    const html = renderIndex({ telemetry: 'InstrumentationKey=abc' });
    expect(html).toContain('<script id="config" type="application/json">{"telemetry":"InstrumentationKey=abc"}</script>');
    expect(html).not.toContain('__PAGE_CONFIG__');
  });

  it('renders an empty object when there is nothing to configure', () => {
    expect(renderIndex({})).toContain('<script id="config" type="application/json">{}</script>');
  });

  it('keeps values from closing the script element, and they still parse to the same JSON', () => {
    const config = { evil: '</script><script>alert(1)</script>', line: 'a\u2028b', amp: 'x&y' };
    const html = renderIndex(config);
    const block = /<script id="config" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
    expect(block).toBeDefined();
    expect(block).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(block as string)).toEqual(config);
  });

  it('does not treat $ patterns in values as replacement patterns', () => {
    expect(serializeForScriptBlock({ price: "$& $' $1" })).toBe('{"price":"$\\u0026 $\' $1"}');
    expect(renderIndex({ price: "$& $'" })).toContain('{"price":"$\\u0026 $\'"}');
  });

  it('refuses a template without the config block', () => {
    expect(() => renderIndex({}, '<html></html>')).toThrow(/no config block/);
  });
});
