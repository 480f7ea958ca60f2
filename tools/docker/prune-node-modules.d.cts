/** Types for prune-node-modules.cjs (plain CommonJS so it runs on the bare build base). */
export interface PackageManifestLike {
  name?: string;
  main?: string;
  exports?: unknown;
  module?: string;
  esnext?: string;
  browser?: unknown;
  [field: string]: unknown;
}
export declare function targetDirectory(target: unknown): string | null;
export declare function nonNodeDirectories(manifest: PackageManifestLike): string[];
export declare function pruneNodeModules(root: string): { removedDirectories: number; removedFiles: number; bytes: number };
