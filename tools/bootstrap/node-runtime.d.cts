// Types for the TypeScript callers (tools/src/images/base-builder.ts) of node-runtime.cjs.
type FetchTarball = (spec: string, dir: string, what: string) => Promise<string>;
export declare function ensurePinnedNode(options: { root: string; cacheDir: string; fetchTarball?: FetchTarball; platform?: string; arch?: string }): Promise<string>;
export declare function ensurePinnedNpmTarball(options: { root: string; dir: string; fetchTarball?: FetchTarball }): Promise<string>;
export declare function pinnedNodeVersion(root: string): string;
export declare function runsPinnedNode(root: string, current?: string): boolean;
export declare function npmPack(spec: string, dir: string, what: string): Promise<string>;
export declare function integrityOf(file: string): string;
export declare function verifyIntegrity(file: string, expected: string, what: string): string;
export declare const VERIFIED_MARKER: string;
