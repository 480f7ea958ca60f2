import path from 'node:path';

/** The repository root: tools/src/workspace → three levels up. */
export const workspaceRoot = path.resolve(__dirname, '..', '..', '..');
