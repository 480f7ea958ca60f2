export declare const PROFILES: Record<'start' | 'rehearse' | 'test', { packages: string[]; engine: boolean; prepare: boolean }>;
export declare function parseArguments(argv: string[]): { profile: string; command: string; args: string[] };
export declare function main(
  argv: string[],
  context?: { root?: string; env?: NodeJS.ProcessEnv; nodeVersion?: string; fetchTarball?: (spec: string, dir: string, what: string) => Promise<string> },
): Promise<number>;
