export interface MachineFacts {
  platform: string;
  uid: number;
  osRelease: Record<string, string>;
  dockerInfoOk: boolean;
  dockerdInstalled: boolean;
  noInstall: boolean;
}
export type EnginePlan = { action: 'use' | 'start' | 'install' } | { action: 'fail'; exitCode: number; message: string };
export declare const PACKAGES: Record<'engine' | 'rehearsal' | 'browser' | 'checks' | 'cluster', { packages: string[]; why: string }>;
export declare const DOCKERD_ARGS: readonly string[];
export declare function parseOsRelease(text: string): Record<string, string>;
export declare function isDebianLike(osRelease: Record<string, string>): boolean;
export declare function planEngine(facts: MachineFacts): EnginePlan;
export declare function startDockerd(cacheDir: string, options?: { timeoutMs?: number; runDir?: string }): Promise<void>;
export declare function removeStaleEnginePidFiles(runDir?: string, nameOf?: (pid: number) => string | null): string[];
