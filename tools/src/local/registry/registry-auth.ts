import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { CliError, ExitCode } from '../../cli/errors';
import type { RegistryCredential } from '../../images/docker-login';
import type { RegistryLayout } from './registry-settings';

export const registryUser = 'shipyard';

/**
 * bcrypt's cost slows down guessing a weak password from a stolen hash. The password here is
 * 192 random bits, which no amount of guessing finds, while docker-registry checks the hash on
 * every request (a push is dozens): the lowest cost bcrypt allows keeps that check ~1 ms
 * instead of ~70 ms at the usual 10.
 */
const bcryptCost = 4;

/** The stored credential, or null when there is none (or it is damaged). */
export function storedRegistryCredential(layout: RegistryLayout): RegistryCredential | null {
  const file = layout.credentialFile;
  if (!fs.existsSync(file)) return null;
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<RegistryCredential>;
    return typeof value.username === 'string' && typeof value.password === 'string' && value.password.length >= 32 ? { username: value.username, password: value.password } : null;
  } catch {
    return null;
  }
}

/** Whether the htpasswd file holds exactly one line for the credential's user whose hash the password matches. */
export function htpasswdAccepts(htpasswd: string, credential: RegistryCredential): boolean {
  const lines = htpasswd.split('\n').filter(Boolean);
  if (lines.length !== 1) return false;
  const [user, hash] = lines[0].split(':', 2);
  return user === credential.username && typeof hash === 'string' && hash.startsWith('$2') && bcrypt.compareSync(credential.password, hash);
}

/**
 * The local registry's one user: a random password kept (mode 0600) in the registry's folder,
 * and the htpasswd file docker-registry checks it against. Both are kept across restarts, so
 * logins made earlier stay valid; a damaged or mismatched pair is made again.
 */
export function ensureRegistryCredential(layout: RegistryLayout): { credential: RegistryCredential; created: boolean } {
  fs.mkdirSync(path.dirname(layout.credentialFile), { recursive: true, mode: 0o700 });
  fs.chmodSync(path.dirname(layout.credentialFile), 0o700);
  let credential = storedRegistryCredential(layout);
  let created = false;
  if (!credential) {
    credential = { username: registryUser, password: randomBytes(24).toString('base64url') };
    fs.writeFileSync(layout.credentialFile, `${JSON.stringify(credential)}\n`, { mode: 0o600 });
    created = true;
  }
  const current = fs.existsSync(layout.htpasswdFile) ? fs.readFileSync(layout.htpasswdFile, 'utf8') : '';
  if (created || !htpasswdAccepts(current, credential)) {
    fs.writeFileSync(layout.htpasswdFile, `${credential.username}:${bcrypt.hashSync(credential.password, bcryptCost)}\n`, { mode: 0o600 });
  }
  return { credential, created };
}

/** The credential of a registry started earlier, for clients that must log in to it. */
export function registryCredential(layout: RegistryLayout): RegistryCredential {
  const credential = storedRegistryCredential(layout);
  if (!credential) {
    throw new CliError(`the local registry has no credential in ${layout.credentialFile}; start it with \`npx shipyard registry up\``, ExitCode.environment);
  }
  return credential;
}
