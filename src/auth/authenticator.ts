// The decide step of the request flow: decision cache hit → answer synchronously (no promise, no
// crypto); rejected before any signature check (syntax, header, alg, key) → deny synchronously, not
// remembered (rejected.ts); otherwise verify once (concurrent misses of one token share the
// verification) → remember.
import type { IssuerConfig, JwtConfig } from '../config/jwt-schema.js';
import { DecisionCache, flatCopy, isLong } from './decisions.js';
import { InFlight } from './in-flight.js';
import { RemoteJwks, type JwksRefreshEvent } from './jwks-remote.js';
import { loadJwksFile, loadKeys, type KeySource } from './keys.js';
import { isRejectedOnSight, rejectedOnSight } from './rejected.js';
import { rememberedBytes, rememberToken, TOKEN_RESOLUTION_MS } from './remembered.js';
import { checkTokenSyntax } from './token.js';
import type { Decision } from './types.js';
import { createVerifier, type Inspected, type IssuerPolicy } from './verifier.js';

export interface AuthHooks {
  /** After each verification (a decision-cache miss past the syntax check), with its outcome. */
  onVerify?(decision: Decision): void;
  /** After each remote JWKS fetch, and for each JWK of a fetched document that was skipped. */
  onJwksRefresh?(event: JwksRefreshEvent): void;
}

/** What a cache holds now: entries, and their estimated heap in bytes. */
export interface CacheSize {
  readonly entries: number;
  readonly bytes: number;
}

export interface AuthenticatorOptions {
  /** Epoch ms; injectable so tests control time. */
  now?: () => number;
  hooks?: AuthHooks;
  /** Environment for secretEnv (default process.env). */
  env?: Record<string, string | undefined>;
}

export interface Authenticator {
  /** A Decision, synchronously when cached or syntactically bad; otherwise a promise of one. Never rejects. */
  decide(token: string): Decision | Promise<Decision>;
  /** The decision cache's size, for the metrics (read at scrape time). */
  remembered(): CacheSize;
  /**
   * decide without effects (explain): a remembered decision (synchronously), the syntax deny, or a
   * verification that is neither remembered nor reported to the hooks.
   */
  inspect(token: string): Decision | Promise<Decision>;
  /** Stops JWKS refresh timers. */
  close(): void;
}

/** Misses verified concurrently at most while sharing; beyond it a miss verifies on its own. */
const MAX_IN_FLIGHT = 10_000;

export async function createAuthenticator(jwt: JwtConfig, options: AuthenticatorOptions = {}): Promise<Authenticator> {
  const now = options.now ?? Date.now;
  const hooks = options.hooks ?? {};
  const remotes: RemoteJwks[] = [];
  const close = () => remotes.forEach((remote) => remote.close());
  let fallback: IssuerPolicy | undefined;
  const issuers = new Map<string, IssuerPolicy>();
  try {
    if (jwt.keys.length > 0) {
      const keys = await loadKeys(jwt.keys, 'jwt.keys', options);
      fallback = { issuer: jwt.issuer, audience: listOf(jwt.audience), leewayMs: jwt.leeway, typ: undefined, keys };
    }
    for (const [index, entry] of jwt.issuers.entries()) {
      const keys = await issuerKeys(entry, `jwt.issuers[${index}]`, { now, hooks, env: options.env, remotes });
      issuers.set(entry.issuer, {
        issuer: entry.issuer,
        audience: listOf(entry.audience ?? jwt.audience),
        leewayMs: entry.leeway ?? jwt.leeway,
        typ: entry.typ,
        keys,
      });
    }
  } catch (error) {
    close();
    throw error;
  }

  const verifier = createVerifier({
    issuers,
    fallback,
    maxTokenBytes: jwt.maxTokenBytes,
    maxClaimsBytes: jwt.maxClaimsBytes,
    negativeTtlMs: jwt.decisions.negativeTtl,
    now,
  });
  // A compact JWS ends with its signature: the last 32 characters are enough to spread the slots.
  // What is remembered is compact (remembered.ts); a verification answers with the remembered form, so
  // its waiters and later hits share one object.
  const cache = new DecisionCache({
    max: jwt.decisions.max,
    maxBytes: jwt.decisions.maxBytes,
    maxTtlMs: jwt.decisions.maxTtl,
    hashTail: 32,
    resolutionMs: TOKEN_RESOLUTION_MS,
    slot: rememberToken,
    bytes: rememberedBytes,
  });
  // Long tokens are shared in flight by their fingerprint, in a map of their own: no key of one map
  // can be taken for a key of the other.
  const inFlight = new InFlight<Decision>(MAX_IN_FLIGHT);
  const inFlightLong = new InFlight<Decision>(MAX_IN_FLIGHT);

  function report(decision: Decision): void {
    try {
      hooks.onVerify?.(decision);
    } catch {
      // a failing metrics hook must not turn a decision into a rejection
    }
  }

  async function verifyAndRemember(token: string, inspected: Inspected): Promise<Decision> {
    const decision = await verifier.verify(inspected);
    report(decision);
    if (isRejectedOnSight(decision)) return decision;
    return cache.remember(token, decision, now()) ?? decision;
  }

  return {
    decide(token) {
      const cached = cache.get(token, now());
      if (cached !== undefined) return cached;
      const long = isLong(token);
      const pending = long ? inFlightLong.get(cache.fingerprint(token)) : inFlight.get(token);
      if (pending !== undefined) return pending;
      if (checkTokenSyntax(token, jwt.maxTokenBytes) !== undefined) return rejectedOnSight('malformed');
      const inspected = verifier.inspect(token);
      if (typeof inspected === 'string') {
        const rejected = rejectedOnSight(inspected);
        report(rejected);
        return rejected;
      }
      // From here on only a copy of the token is kept (see flatCopy): the request's token is usually
      // a slice of its Authorization header, which must not live as long as the decision.
      const own = flatCopy(token);
      const verification = verifyAndRemember(own, { ...inspected, token: own });
      if (long) inFlightLong.share(cache.fingerprint(own), verification);
      else inFlight.share(own, verification);
      return verification;
    },
    remembered: () => ({ entries: cache.size, bytes: cache.bytes }),
    inspect(token) {
      const cached = cache.peek(token, now());
      if (cached !== undefined) return cached;
      if (checkTokenSyntax(token, jwt.maxTokenBytes) !== undefined) return rejectedOnSight('malformed');
      const inspected = verifier.inspect(token);
      if (typeof inspected === 'string') return rejectedOnSight(inspected);
      const pending = isLong(token) ? inFlightLong.get(cache.fingerprint(token)) : inFlight.get(token);
      return pending ?? verifier.verify({ ...inspected, token });
    },
    close,
  };
}

interface IssuerContext {
  now: () => number;
  hooks: AuthHooks;
  env: Record<string, string | undefined> | undefined;
  remotes: RemoteJwks[];
}

/**
 * Loads every key the configuration holds itself (jwt.keys, issuers' keys and jwksFile; remote JWKS are
 * not fetched), so that `bouncer check-config` refuses a weak or ambiguous key as `bouncer start` does.
 */
export async function loadLocalKeys(jwt: JwtConfig, options: Pick<AuthenticatorOptions, 'env'> = {}): Promise<void> {
  if (jwt.keys.length > 0) await loadKeys(jwt.keys, 'jwt.keys', options);
  for (const [index, entry] of jwt.issuers.entries()) await localIssuerKeys(entry, `jwt.issuers[${index}]`, options);
}

/** An issuer's keys from configuration or a file; undefined for a remote JWKS. */
async function localIssuerKeys(entry: IssuerConfig, path: string, options: Pick<AuthenticatorOptions, 'env'>): Promise<KeySource | undefined> {
  if (entry.keys !== undefined) return loadKeys(entry.keys, `${path}.keys`, options);
  if (entry.jwksFile !== undefined) return loadJwksFile(entry.jwksFile, entry.algs, `${path}.jwksFile`);
  return undefined;
}

async function issuerKeys(entry: IssuerConfig, path: string, context: IssuerContext): Promise<KeySource> {
  const local = await localIssuerKeys(entry, path, context);
  if (local !== undefined) return local;
  if (entry.jwksUrl === undefined) throw new TypeError(`${path}: needs keys, jwksFile or jwksUrl`);
  const remote = new RemoteJwks({
    url: entry.jwksUrl,
    algs: entry.algs,
    refreshMs: entry.jwksRefresh,
    cooldownMs: entry.jwksCooldown,
    timeoutMs: entry.jwksTimeout,
    now: context.now,
    ...(context.hooks.onJwksRefresh && { onRefresh: (event: JwksRefreshEvent) => context.hooks.onJwksRefresh?.(event) }),
  });
  context.remotes.push(remote);
  await remote.start();
  return remote;
}

function listOf(value: string | readonly string[] | undefined): readonly string[] | undefined {
  return value === undefined ? undefined : typeof value === 'string' ? [value] : value;
}
