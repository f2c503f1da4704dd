// Loading configuration: a YAML or JSON file, then overrides from flags, validated once against the
// schema. The result is frozen; nothing reads configuration at request time.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { ConfigError, formatKeyPath } from './errors.js';

/** Values given on the command line; each replaces the file's value for that key. */
export interface ConfigOverrides {
  listen?: string;
  upstream?: string;
  workers?: string;
  adminListen?: string;
}

export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`], file);
  }
  try {
    // YAML is a superset of JSON, so one parser reads both; duplicate keys are errors.
    return parseYaml(text, { uniqueKeys: true, prettyErrors: true }) ?? {};
  } catch (error) {
    throw new ConfigError([`${file} is not valid YAML/JSON: ${(error as Error).message.split('\n')[0]}`], file);
  }
}

export function applyOverrides(raw: unknown, overrides: ConfigOverrides): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  if (overrides.listen !== undefined) out.listen = overrides.listen;
  if (overrides.upstream !== undefined) out.upstream = overrides.upstream;
  if (overrides.workers !== undefined) {
    out.workers = overrides.workers === 'auto' ? 'auto' : Number(overrides.workers);
  }
  if (overrides.adminListen !== undefined) {
    const admin = (out.admin ?? {}) as Record<string, unknown>;
    out.admin = { ...admin, listen: overrides.adminListen };
  }
  return out;
}

export function validateConfig(raw: unknown, source: string): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(describeIssues(result.error), source);
  return deepFreeze(result.data);
}

export function loadConfig(file: string, overrides: ConfigOverrides = {}): Config {
  return validateConfig(applyOverrides(readConfigFile(file), overrides), file);
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = formatKeyPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `${path}: ${issue.message}`;
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
