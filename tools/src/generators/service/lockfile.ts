/**
 * package-lock.json must list every npm workspace, or `npm ci` refuses to install ("Missing:
 * @shipyard/<name>@0.1.0 from lock file"). The generator adds the two entries npm itself
 * writes for a new workspace package whose dependencies are already installed: the
 * package's folder and its link under node_modules. The integration test proves that
 * `npm install --package-lock-only` leaves the result unchanged.
 */
export interface LockfileV3 {
  lockfileVersion: number;
  packages: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

export interface WorkspaceManifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

export function withWorkspacePackage(lock: LockfileV3, location: string, manifest: WorkspaceManifest): LockfileV3 {
  if (lock.lockfileVersion < 2 || typeof lock.packages !== 'object') {
    throw new Error(`package-lock.json has lockfileVersion ${lock.lockfileVersion}; the generator writes the v2/v3 "packages" map (npm 7 or later)`);
  }
  const link = `node_modules/${manifest.name}`;
  for (const key of [location, link]) {
    if (lock.packages[key]) throw new Error(`package-lock.json already has an entry "${key}"`);
  }
  const added: Record<string, Record<string, unknown>> = {
    [location]: { name: manifest.name, version: manifest.version, ...(manifest.dependencies ? { dependencies: manifest.dependencies } : {}) },
    [link]: { resolved: location, link: true },
  };
  // npm orders the entries by localeCompare, the root package ("") first.
  const entries = Object.entries({ ...lock.packages, ...added }).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en')));
  return { ...lock, packages: Object.fromEntries(entries) };
}
