// The configured keys as a key set, loaded once at start-up. Every failure names the config key path.
// Within one key set a kid names one key: two keys with one kid would leave it to the order of the
// list which key a token meant.
import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { JWK } from 'jose';
import type { JwtAlgorithm, KeyConfig } from '../config/jwt-schema.js';
import { readSecret } from '../config/secrets.js';
import { keyError } from './errors.js';
import { importJwk, importPublicKey, importSecret, type VerifyKey } from './key-import.js';

/** Somewhere to find the keys that may verify a token of this alg and kid. */
export interface KeySource {
  /**
   * The keys allowed to verify (alg, kid): a token's kid must equal a key's kid exactly; a kid-less
   * token tries the kid-less keys. Never allocates.
   */
  candidates(alg: JwtAlgorithm, kid: string | undefined): readonly VerifyKey[];
  /** Whether any key of this source may verify this algorithm. */
  allowsAlgorithm(alg: JwtAlgorithm): boolean;
  /** Sources that can change (a remote JWKS) look again when no key matched; true if they did. */
  refresh?(): Promise<boolean>;
}

const NONE: readonly VerifyKey[] = [];

export class KeySet implements KeySource {
  private readonly byKid = new Map<string, Map<JwtAlgorithm, VerifyKey[]>>();
  private readonly kidless = new Map<JwtAlgorithm, VerifyKey[]>();
  private readonly algorithms = new Set<JwtAlgorithm>();

  constructor(readonly keys: readonly VerifyKey[]) {
    for (const key of keys) {
      let index = this.kidless;
      if (key.kid !== undefined) {
        index = this.byKid.get(key.kid) ?? new Map();
        this.byKid.set(key.kid, index);
      }
      for (const alg of key.algs) {
        this.algorithms.add(alg);
        const list = index.get(alg) ?? [];
        list.push(key);
        index.set(alg, list);
      }
    }
  }

  candidates(alg: JwtAlgorithm, kid: string | undefined): readonly VerifyKey[] {
    const index = kid === undefined ? this.kidless : this.byKid.get(kid);
    return index?.get(alg) ?? NONE;
  }

  allowsAlgorithm(alg: JwtAlgorithm): boolean {
    return this.algorithms.has(alg);
  }
}

export interface LoadOptions {
  /** Environment for secretEnv (default process.env). */
  env?: Record<string, string | undefined>;
}

/** Load jwt.keys (or an issuer's keys); `path` is the config path of the list, e.g. "jwt.keys". */
export async function loadKeys(configs: readonly KeyConfig[], path: string, options: LoadOptions = {}): Promise<KeySet> {
  const keys: VerifyKey[] = [];
  for (const [index, config] of configs.entries()) {
    keys.push(...(await loadKey(config, `${path}[${index}]`, options)));
  }
  return new KeySet(withUniqueKids(keys));
}

/**
 * The keys, refusing two that name one kid: without onDuplicate it throws for the second one; with it
 * (a remote JWKS) every key of that kid is reported and left out, and the others are kept.
 */
function withUniqueKids(keys: readonly VerifyKey[], onDuplicate?: (error: unknown) => void): VerifyKey[] {
  const first = new Map<string, VerifyKey>();
  const duplicated = new Set<string>();
  for (const key of keys) {
    if (key.kid === undefined) continue;
    const earlier = first.get(key.kid);
    if (earlier === undefined) {
      first.set(key.kid, key);
      continue;
    }
    const error = keyError(key.source, `kid "${key.kid}" is also the kid of ${earlier.source}`);
    if (onDuplicate === undefined) throw error;
    onDuplicate(error);
    duplicated.add(key.kid);
  }
  return duplicated.size === 0 ? [...keys] : keys.filter((key) => key.kid === undefined || !duplicated.has(key.kid));
}

async function loadKey(config: KeyConfig, path: string, options: LoadOptions): Promise<VerifyKey[]> {
  const algs = allowList(config);
  if (config.jwksFile !== undefined) {
    if (config.kid !== undefined) throw keyError(path, 'kid does not apply to jwksFile (each JWK names its own kid)');
    return [...(await loadJwksFile(config.jwksFile, algs, path)).keys];
  }
  if (algs === undefined) throw keyError(path, 'needs alg or algs');
  if (config.publicKeyFile !== undefined) {
    const pem = await readText(config.publicKeyFile, path);
    let key;
    try {
      key = createPublicKey(pem);
    } catch (error) {
      throw keyError(path, `${config.publicKeyFile} is not a PEM public key (${(error as Error).message})`, error);
    }
    return [await importPublicKey(key, algs, config.kid, path)];
  }
  return [await importSecret(secretOf(config, path, options), algs, config.kid, path)];
}

function allowList(config: KeyConfig): JwtAlgorithm[] | undefined {
  if (config.alg === undefined && config.algs === undefined) return undefined;
  return [...new Set([...(config.alg ? [config.alg] : []), ...(config.algs ?? [])])];
}

function secretOf(config: KeyConfig, path: string, options: LoadOptions): Uint8Array {
  const secret = readSecret(config, path, options.env ?? process.env, (problem, cause) => keyError(path, problem, cause));
  if (secret === undefined) throw keyError(path, 'needs one of secret, secretEnv, secretFile, publicKeyFile, jwksFile');
  return Buffer.from(secret, 'utf8');
}

async function readText(file: string, path: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw keyError(path, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, error);
  }
}

/** A JWKS document on disk (secrets allowed: the file is configuration). */
export async function loadJwksFile(file: string, allowed: readonly JwtAlgorithm[] | undefined, path: string): Promise<KeySet> {
  return new KeySet(await parseJwks(await readText(file, path), allowed, `${path} (${file})`, true));
}

/**
 * The signature keys of a JWKS document; refuses a document with none. With onInvalid, a key that
 * cannot be used is reported and skipped (a remote JWKS) instead of failing the whole document.
 */
export async function parseJwks(
  text: string,
  allowed: readonly JwtAlgorithm[] | undefined,
  source: string,
  allowSecret: boolean,
  onInvalid?: (error: unknown) => void,
): Promise<VerifyKey[]> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw keyError(source, 'JWKS is not JSON', error);
  }
  const list = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw keyError(source, 'JWKS has no "keys" array');
  const keys: VerifyKey[] = [];
  for (const [index, jwk] of list.entries()) {
    if (typeof jwk !== 'object' || jwk === null) throw keyError(`${source} keys[${index}]`, 'not a JWK object');
    try {
      const key = await importJwk(jwk as JWK, allowed, `${source} keys[${index}]`, allowSecret);
      if (key !== undefined) keys.push(key);
    } catch (error) {
      if (onInvalid === undefined) throw error;
      onInvalid(error);
    }
  }
  const unique = withUniqueKids(keys, onInvalid);
  if (unique.length === 0) throw keyError(source, 'JWKS holds no signature key usable with the allowed algorithms');
  return unique;
}
