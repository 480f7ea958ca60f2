import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * index.html carries the page's runtime configuration in a
 * `<script id="config" type="application/json">` block: data, not code, so it works under a
 * strict Content-Security-Policy. Values that are known only at deploy time (the browser
 * telemetry connection string, for one) go in here; the page reads them with JSON.parse.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type PageConfig = Readonly<Record<string, JsonValue>>;

export const publicDir = path.join(__dirname, 'public');

const CONFIG_OPEN = '<script id="config" type="application/json">';
const CONFIG_CLOSE = '</script>';
const CONFIG_BLOCK = `${CONFIG_OPEN}__PAGE_CONFIG__${CONFIG_CLOSE}`;

let cachedTemplate: string | undefined;

/** The index.html template shipped next to the code, read once. */
export function indexTemplate(): string {
  cachedTemplate ??= readFileSync(path.join(publicDir, 'index.html'), 'utf8');
  return cachedTemplate;
}

export function renderIndex(config: PageConfig, template: string = indexTemplate()): string {
  if (!template.includes(CONFIG_BLOCK)) {
    throw new Error(`index.html has no config block; it must contain ${CONFIG_BLOCK}`);
  }
  // A replacer function, so '$' in values is never read as a replacement pattern.
  return template.replace(CONFIG_BLOCK, () => `${CONFIG_OPEN}${serializeForScriptBlock(config)}${CONFIG_CLOSE}`);
}

/**
 * JSON that cannot end the surrounding <script> element early: '<', '>' and '&' become \u escapes
 * (still the same JSON value), and so do U+2028/U+2029.
 */
export function serializeForScriptBlock(value: PageConfig): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
