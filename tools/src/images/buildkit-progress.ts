/**
 * Reads BuildKit's `--progress plain` output: which Dockerfile steps came from cache and how
 * many bytes were downloaded. Each vertex prints `#<n> <name>` first, then `#<n> <detail>` lines
 * such as `#<n> CACHED` or `#<n> sha256:<digest> 12.58MB / 40.37MB 0.3s done`.
 */
export interface BuildkitStep {
  id: number;
  /** e.g. `[deps 4/4] RUN set -eu; …` or `[stage-1 3/3] COPY payload/ /srv/`. */
  name: string;
  cached: boolean;
}

export interface BuildkitProgress {
  /** Dockerfile instructions that make a layer (FROM and BuildKit's internal vertices left out). */
  steps: BuildkitStep[];
  /** Bytes of blobs downloaded (base image and cache layers), each digest counted once. */
  bytesPulled: number;
  /** Distinct blobs downloaded. */
  blobsPulled: number;
  /** Whether an `importing cache manifest from …` vertex ran (a --cache-from reference was read). */
  importedCache: boolean;
}

const unitBytes: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** `40.37MB` → 40370000 (go-units' decimal sizes, as BuildKit prints them). */
export function parseSize(text: string): number {
  const match = /^([\d.]+)\s*([kKMG]i?B|B)$/.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  return Math.round(Number(match[1]) * unitBytes[match[2]]);
}

export function parseBuildkitProgress(output: string): BuildkitProgress {
  const names = new Map<number, string>();
  const cached = new Set<number>();
  const blobs = new Map<string, number>();
  for (const line of output.split('\n')) {
    const match = /^#(\d+) (.*)$/.exec(line.trimEnd());
    if (!match) continue;
    const id = Number(match[1]);
    const text = match[2];
    if (!names.has(id)) {
      names.set(id, text);
      continue;
    }
    if (text === 'CACHED') cached.add(id);
    const blob = /^sha256:([0-9a-f]{12,64}) ([\d.]+\s*[kKMG]?i?B) \/ ([\d.]+\s*[kKMG]?i?B)\b/.exec(text);
    if (blob) blobs.set(blob[1], Math.max(blobs.get(blob[1]) ?? 0, parseSize(blob[3])));
  }
  const steps = [...names]
    .filter(([, name]) => /^\[[^\]]+ \d+\/\d+\] /.test(name) && !/^\[[^\]]+\] FROM /.test(name))
    .map(([id, name]) => ({ id, name, cached: cached.has(id) }));
  return {
    steps,
    bytesPulled: [...blobs.values()].reduce((sum, size) => sum + size, 0),
    blobsPulled: blobs.size,
    importedCache: [...names.values()].some((name) => name.startsWith('importing cache manifest from ')),
  };
}
