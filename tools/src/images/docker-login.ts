import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, ExitCode } from '../cli/errors';
import { runCommand } from '../process/run-command';

/** A registry user name and password (or token), as Docker's credential store hands them out. */
export interface RegistryCredential {
  username: string;
  password: string;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The folder of Docker's client config: DOCKER_CONFIG, else ~/.docker (the docker CLI's own rule). */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG?.trim() || path.join(env.HOME?.trim() || os.homedir(), '.docker');
}

function readDockerConfig(env: NodeJS.ProcessEnv): DockerConfigFile {
  const file = path.join(dockerConfigDir(env), 'config.json');
  if (!fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as DockerConfigFile;
  } catch (error) {
    throw new CliError(`${file} is not valid JSON (${(error as Error).message}); fix or remove it`, ExitCode.environment);
  }
}

/**
 * The credential Docker's client config holds for `registry` (host[:port]), found the way the
 * docker CLI, helm and skopeo find it: a credential helper named for that registry
 * (`credHelpers`), else the default store (`credsStore`), else the file's own `auths` entry.
 * Null when the registry has no login. Reading it here lets the Azure SDK's client use the
 * same login as every other registry client of a run, instead of a second copy of the secret.
 */
export async function dockerCredential(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryCredential | null> {
  const config = readDockerConfig(env);
  const helper = config.credHelpers?.[registry] ?? config.credsStore;
  if (helper) {
    const result = await runCommand(`docker-credential-${helper}`, ['get'], { input: registry, env, allowExitCodes: [1] }).catch((error: Error) => {
      throw new CliError(`cannot run docker-credential-${helper}, the credential helper Docker's config names (${error.message})`, ExitCode.environment);
    });
    if (result.exitCode !== 0) return null;
    const answer = JSON.parse(result.stdout) as { Username?: string; Secret?: string };
    return answer.Username && answer.Secret ? { username: answer.Username, password: answer.Secret } : null;
  }
  const entry = config.auths?.[registry];
  if (!entry) return null;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : null;
  }
  return entry.username && entry.password ? { username: entry.username, password: entry.password } : null;
}

/** The value of an HTTP Basic `Authorization` header for a credential. */
export function basicAuthorization(credential: RegistryCredential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`, 'utf8').toString('base64')}`;
}

/**
 * `docker login`, the password on stdin (never on a command line, where `ps` shows it): the
 * local counterpart of the pipeline's `az acr login`, which stores its token the same way, so
 * docker, buildx, helm and skopeo all find the login in one place.
 */
export async function dockerLogin(registry: string, credential: RegistryCredential, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const result = await runCommand('docker', ['login', '--username', credential.username, '--password-stdin', registry], {
    input: credential.password,
    env,
    allowExitCodes: [1],
  }).catch((error: Error) => {
    throw new CliError(`cannot run docker to log in to ${registry} (${error.message}); install Docker (the bootstrap of \`npm test\` and \`npm run rehearse\` does)`, ExitCode.environment);
  });
  if (result.exitCode !== 0) throw new CliError(`docker login ${registry} failed:\n${result.stderr.trim()}`, ExitCode.environment);
}

/** `docker logout`: the login of a registry that is gone does not linger in Docker's config. */
export async function dockerLogout(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await runCommand('docker', ['logout', registry], { env, allowExitCodes: [1] }).catch(() => undefined);
}
