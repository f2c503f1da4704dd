// Secrets named by configuration: inline, from an environment variable, or from a file. Read once at
// start-up; the values are never logged.
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';

export interface SecretSource {
  readonly secret?: string | undefined;
  readonly secretEnv?: string | undefined;
  readonly secretFile?: string | undefined;
}

/** The secret, or undefined when none is configured; `path` names the config key in errors. */
export function readSecret(source: SecretSource, path: string, env: Record<string, string | undefined> = process.env): string | undefined {
  if (source.secret !== undefined) return source.secret;
  if (source.secretEnv !== undefined) {
    const value = env[source.secretEnv];
    if (!value) throw new ConfigError([`${path}.secretEnv: environment variable ${source.secretEnv} is not set`], 'environment');
    return value;
  }
  if (source.secretFile !== undefined) {
    try {
      return readFileSync(source.secretFile, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new ConfigError([`${path}.secretFile: cannot read ${source.secretFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`], source.secretFile);
    }
  }
  return undefined;
}
