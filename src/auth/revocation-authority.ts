// The process that owns revocations on a machine (the single process, or the cluster primary): it
// turns a revoke request into entries, applies them, writes them to the journal (fsynced) before it
// answers, hands them to every serving process, and, with Redis, writes and publishes them for the
// other nodes. Entries learned from Redis go through the same steps, so every node's journal holds
// every revocation it knows: a Redis that lost its data is refilled by the first node to reconnect.
import type { Logger } from 'pino';
import { decodeObject } from './json.js';
import type { RevocationJournal } from './revocation-journal.js';
import { fingerprint as fingerprintOf, revocationKey, type Revocation, type RevocationSet } from './revocations.js';

/** One of the four forms of POST /revoke. `before` is Unix seconds (default: now). */
export type RevokeRequest =
  | { readonly token: string }
  | { readonly jti: string }
  | { readonly sub: string; readonly before?: number | undefined }
  | { readonly before: number };

/** Redis, when configured (cluster/redis-revocations.ts). */
export interface RemoteRevocations {
  /** Writes the entries (each with its expiry) and publishes them to the other nodes; rejects when Redis cannot be reached. */
  publish(entries: readonly Revocation[]): Promise<void>;
  /** Every entry Redis holds. */
  load(): Promise<Revocation[]>;
}

export interface AuthorityOptions {
  readonly set: RevocationSet;
  readonly journal: RevocationJournal;
  readonly maxTokenLifetimeMs: number;
  readonly leewayMs: number;
  readonly now: () => number;
  readonly log: Logger;
  /** Hands applied entries to every serving process (the bus). */
  readonly distribute: (entries: readonly Revocation[]) => void;
  readonly remote?: RemoteRevocations | undefined;
}

export class RevocationAuthority {
  constructor(private readonly options: AuthorityOptions) {}

  /**
   * Durable before it resolves (journal fsynced). Resolves with how many entries were added: an entry
   * already held is widened if need be (a later time) and counts 0.
   */
  async revoke(request: RevokeRequest): Promise<number> {
    const entry = this.entryFor(request);
    const existed = this.options.set.has(entry);
    const applied = await this.#apply([entry]);
    if (applied.length > 0 && this.options.remote !== undefined) {
      // Published when Redis can be reached; otherwise on the next merge (merge() writes back what Redis lacks).
      await this.options.remote.publish(applied).catch((error: unknown) =>
        this.options.log.warn({ err: error, entries: applied.length }, 'revocation journaled and enforced here; Redis unreachable, it is published when Redis returns'),
      );
    }
    return existed ? 0 : applied.length;
  }

  /** Entries another node published. */
  async absorb(entries: readonly Revocation[]): Promise<void> {
    await this.#apply(entries);
  }

  /**
   * On start and after every reconnect: load Redis's set, absorb what is new here, and write back
   * (and publish) what this node holds and Redis lacks.
   */
  async merge(): Promise<{ loaded: number; refilled: number }> {
    const remote = this.options.remote;
    if (remote === undefined) return { loaded: 0, refilled: 0 };
    const loaded = await remote.load();
    await this.#apply(loaded);
    const held = new Map(loaded.map((entry) => [revocationKey(entry), entry]));
    const missing = [...this.options.set.entries()].filter((entry) => !covers(held.get(revocationKey(entry)), entry));
    if (missing.length > 0) await remote.publish(missing);
    return { loaded: loaded.length, refilled: missing.length };
  }

  /** Drops expired entries; rewrites the journal when most of its lines are dead. */
  async housekeeping(): Promise<void> {
    const { set, journal, now } = this.options;
    set.expire(now());
    if (journal.lines > 1024 && journal.lines > 2 * set.size) await journal.compact(set.entries());
  }

  /** What a request revokes, and until when (when the tokens it covers would have expired anyway). */
  entryFor(request: RevokeRequest): Revocation {
    const now = this.options.now();
    const lifetime = this.options.maxTokenLifetimeMs;
    if ('token' in request) {
      const exp = expOf(request.token);
      return { kind: 'token', id: fingerprintOf(request.token), until: exp === undefined ? now + lifetime : exp * 1000 + this.options.leewayMs };
    }
    if ('jti' in request) return { kind: 'jti', id: request.jti, until: now + lifetime };
    const before = request.before ?? Math.floor(now / 1000);
    const until = Math.max(before * 1000, now) + lifetime;
    return 'sub' in request ? { kind: 'sub', id: request.sub, before, until } : { kind: 'all', before, until };
  }

  async #apply(entries: readonly Revocation[]): Promise<Revocation[]> {
    const { set, journal, now } = this.options;
    const applied: Revocation[] = [];
    for (const entry of entries) {
      const held = set.add(entry, now());
      if (held !== undefined) applied.push(held);
    }
    if (applied.length === 0) return applied;
    // Enforced here at once; acknowledged (resolved) only once on disk.
    this.options.distribute(applied);
    await journal.append(applied);
    return applied;
  }
}


/** The exp of a token, read without verifying it (a revocation may name any token). */
function expOf(token: string): number | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first === -1 || second === -1) return undefined;
  const exp = decodeObject(token.slice(first + 1, second), 64 * 1024)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
}

/** Whether `held` already covers `entry` (same key, as wide). */
function covers(held: Revocation | undefined, entry: Revocation): boolean {
  if (held === undefined || held.until < entry.until) return false;
  return !('before' in entry) || ('before' in held && held.before >= entry.before);
}
