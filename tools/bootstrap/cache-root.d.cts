export declare function shipyardCacheDir(env?: NodeJS.ProcessEnv): string;
