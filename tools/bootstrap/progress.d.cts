export declare const BootstrapExit: Readonly<Record<'usage' | 'nodeUnavailable' | 'nodeTampered' | 'dockerMissing' | 'dockerWontStart' | 'packagesFailed' | 'dependenciesFailed', number>>;
export declare class BootstrapError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number);
}
