// The revocation set: tokens (by fingerprint), jtis, a subject's tokens issued at or before a time,
// every token issued at or before a time. Each entry lives until the tokens it covers would have
// expired anyway (a token's own exp; for the others, `maxTokenLifetime` after the time they name),
// so the set stays bounded by what can still be presented. Bounded in entries and bytes besides.
//
// The hot path asks one question per remembered decision: has anything been revoked since this
// decision was last checked? `epoch` moves with every change; a decision stamped with the current
// epoch needs nothing more (see authorize.ts). Only when it moved is the token looked up here.
import { createHash } from 'node:crypto';

export type Revocation =
  | { readonly kind: 'token'; readonly id: string; readonly until: number }
  | { readonly kind: 'jti'; readonly id: string; readonly until: number }
  /** Every token of `id` (a sub) issued at or before `before` (Unix seconds). */
  | { readonly kind: 'sub'; readonly id: string; readonly before: number; readonly until: number }
  /** Every token issued at or before `before` (Unix seconds): the emergency brake. */
  | { readonly kind: 'all'; readonly before: number; readonly until: number };

/** What a check needs of a token's claims (decoded from its payload). */
export interface RevocableClaims {
  readonly jti?: unknown;
  readonly sub?: unknown;
  readonly iat?: unknown;
}

export interface RevocationLimits {
  /** Entries at most; beyond, a new revocation is refused (RevocationsFullError), never one dropped. */
  readonly max: number;
  readonly maxBytes: number;
}

export class RevocationsFullError extends Error {
  readonly code = 'BOUNCER_REVOCATIONS_FULL';
  constructor(max: number) {
    super(`the revocation set is full (${max} entries, or its byte bound): refusing a revocation rather than dropping one`);
  }
}

/** SHA-256 of a credential, base64url: what a token revocation names. */
export function fingerprint(credential: string): string {
  return createHash('sha256').update(credential, 'latin1').digest('base64url');
}

/** A stable name per entry: the same revocation made twice (or on two nodes) is one entry. */
export function revocationKey(r: Revocation): string {
  return r.kind === 'all' ? 'all' : `${r.kind}:${r.id}`;
}

interface Dated {
  before: number;
  until: number;
}

const ENTRY_OVERHEAD_BYTES = 96;

export class RevocationSet {
  /** Moves with every change of the set; decisions stamped with it are known to be unaffected. */
  epoch = 0;
  readonly #tokens = new Map<string, number>();
  readonly #jtis = new Map<string, number>();
  readonly #subjects = new Map<string, Dated>();
  #everyone: Dated | undefined;
  #bytes = 0;

  constructor(private readonly limits: RevocationLimits) {}

  /**
   * Adds an entry, or widens the one it names (a later `before`, a later `until`). Returns the entry
   * as now held when the set changed, undefined when it already covered this. Throws
   * RevocationsFullError when a new entry would pass a bound.
   */
  add(r: Revocation, now: number): Revocation | undefined {
    if (r.until <= now) return undefined;
    let held: Revocation | undefined;
    if (r.kind === 'all') {
      const current = this.#everyone;
      if (current !== undefined && current.before >= r.before && current.until >= r.until) return undefined;
      this.#everyone = { before: Math.max(r.before, current?.before ?? -Infinity), until: Math.max(r.until, current?.until ?? 0) };
      held = { kind: 'all', ...this.#everyone };
    } else if (r.kind === 'sub') {
      const current = this.#subjects.get(r.id);
      if (current !== undefined && current.before >= r.before && current.until >= r.until) return undefined;
      if (current === undefined) this.#reserve(r.id);
      const widened = { before: Math.max(r.before, current?.before ?? -Infinity), until: Math.max(r.until, current?.until ?? 0) };
      this.#subjects.set(r.id, widened);
      held = { kind: 'sub', id: r.id, ...widened };
    } else {
      const map = r.kind === 'token' ? this.#tokens : this.#jtis;
      const current = map.get(r.id);
      if (current !== undefined && current >= r.until) return undefined;
      if (current === undefined) this.#reserve(r.id);
      map.set(r.id, r.until);
      held = { kind: r.kind, id: r.id, until: r.until };
    }
    this.epoch++;
    return held;
  }

  /** Whether an entry of this name (kind and id) is held, however wide. */
  has(r: Revocation): boolean {
    if (r.kind === 'all') return this.#everyone !== undefined;
    return (r.kind === 'token' ? this.#tokens : r.kind === 'jti' ? this.#jtis : this.#subjects).has(r.id);
  }

  #reserve(id: string): void {
    const bytes = ENTRY_OVERHEAD_BYTES + 2 * id.length;
    if (this.size >= this.limits.max || this.#bytes + bytes > this.limits.maxBytes) throw new RevocationsFullError(this.limits.max);
    this.#bytes += bytes;
  }

  /**
   * Whether a token is revoked at `now` (its fingerprint is computed only when token entries exist).
   * A token without iat cannot show it was issued after a time revocation: it is covered by it.
   */
  covers(credential: string, claims: RevocableClaims, now: number): boolean {
    if (this.#tokens.size > 0 && live(this.#tokens.get(fingerprint(credential)), now)) return true;
    if (typeof claims.jti === 'string' && live(this.#jtis.get(claims.jti), now)) return true;
    const iat = typeof claims.iat === 'number' ? claims.iat : -Infinity;
    const everyone = this.#everyone;
    if (everyone !== undefined && everyone.until > now && iat <= everyone.before) return true;
    if (typeof claims.sub === 'string') {
      const subject = this.#subjects.get(claims.sub);
      if (subject !== undefined && subject.until > now && iat <= subject.before) return true;
    }
    return false;
  }

  /** Drops what has expired; returns how many went. */
  expire(now: number): number {
    let dropped = 0;
    for (const map of [this.#tokens, this.#jtis]) {
      for (const [id, until] of map) if (until <= now && map.delete(id)) dropped += this.#release(id);
    }
    for (const [id, dated] of this.#subjects) if (dated.until <= now && this.#subjects.delete(id)) dropped += this.#release(id);
    if (this.#everyone !== undefined && this.#everyone.until <= now) {
      this.#everyone = undefined;
      dropped++;
    }
    return dropped;
  }

  #release(id: string): number {
    this.#bytes -= ENTRY_OVERHEAD_BYTES + 2 * id.length;
    return 1;
  }

  /** Every entry, in a stable order (for the journal's compaction and for listing). */
  *entries(): Iterable<Revocation> {
    for (const [id, until] of this.#tokens) yield { kind: 'token', id, until };
    for (const [id, until] of this.#jtis) yield { kind: 'jti', id, until };
    for (const [id, dated] of this.#subjects) yield { kind: 'sub', id, ...dated };
    if (this.#everyone !== undefined) yield { kind: 'all', ...this.#everyone };
  }

  counts(): { token: number; jti: number; sub: number; all: number } {
    return { token: this.#tokens.size, jti: this.#jtis.size, sub: this.#subjects.size, all: this.#everyone === undefined ? 0 : 1 };
  }

  get size(): number {
    return this.#tokens.size + this.#jtis.size + this.#subjects.size + (this.#everyone === undefined ? 0 : 1);
  }

  get bytes(): number {
    return this.#bytes;
  }
}

function live(until: number | undefined, now: number): boolean {
  return until !== undefined && until > now;
}

/** Whether a value read from a journal, Redis or the bus is a well-formed revocation. */
export function isRevocation(value: unknown): value is Revocation {
  const r = value as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null || typeof r.until !== 'number' || !Number.isFinite(r.until)) return false;
  switch (r.kind) {
    case 'token':
    case 'jti':
      return typeof r.id === 'string' && r.id.length > 0 && r.id.length <= 4096;
    case 'sub':
      return typeof r.id === 'string' && r.id.length > 0 && r.id.length <= 4096 && typeof r.before === 'number' && Number.isFinite(r.before);
    case 'all':
      return typeof r.before === 'number' && Number.isFinite(r.before);
    default:
      return false;
  }
}
