// Secrets named by configuration: inline, from an environment variable, or from a file. Read once at
// start-up; the values are never logged. Callers choose the error (a ConfigError for admin.*, the
// auth module's key error for jwt.*), so every message still names the key path.
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';

export interface SecretSource {
  readonly secret?: string | undefined;
  readonly secretEnv?: string | undefined;
  readonly secretFile?: string | undefined;
}

/** Makes the error for a secret that cannot be read; `problem` says what is wrong. */
export type SecretFailure = (problem: string, cause?: unknown) => Error;

const configError = (path: string): SecretFailure => (problem) => new ConfigError([`${path}: ${problem}`], 'configuration');

/** The secret, or undefined when none is configured; `path` names the config key in errors. */
export function readSecret(
  source: SecretSource,
  path: string,
  env: Record<string, string | undefined> = process.env,
  fail: SecretFailure = configError(path),
): string | undefined {
  if (source.secret !== undefined) return source.secret;
  if (source.secretEnv !== undefined) {
    const value = env[source.secretEnv];
    if (!value) throw fail(`environment variable ${source.secretEnv} is not set`);
    return value;
  }
  if (source.secretFile !== undefined) {
    try {
      return readFileSync(source.secretFile, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw fail(`cannot read ${source.secretFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, error);
    }
  }
  return undefined;
}

/** Admin secrets are bearer secrets on a network listener: this short from any source is refused. */
export const MIN_ADMIN_SECRET_LENGTH = 16;

/**
 * admin.secret, secretEnv or secretFile, at least MIN_ADMIN_SECRET_LENGTH characters (a ConfigError
 * naming the key otherwise); undefined when none is configured.
 */
export function readAdminSecret(admin: SecretSource, env: Record<string, string | undefined> = process.env): string | undefined {
  const secret = readSecret(admin, 'admin', env);
  if (secret === undefined || secret.length >= MIN_ADMIN_SECRET_LENGTH) return secret;
  const key = admin.secret !== undefined ? 'secret' : admin.secretEnv !== undefined ? 'secretEnv' : 'secretFile';
  throw new ConfigError([`admin.${key}: the secret is ${secret.length} characters, at least ${MIN_ADMIN_SECRET_LENGTH} required`], 'configuration');
}
