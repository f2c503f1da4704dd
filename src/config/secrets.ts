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
