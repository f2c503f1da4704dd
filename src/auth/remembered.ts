// The authenticator's remembered decisions, one small object per token: the cache slot is itself the
// Decision (and, for an allow, the Identity). A million remembered users were ~500 bytes each as a
// slot + decision + identity + claims object + two boxed epoch-ms numbers + the Authorization header
// the token was sliced from; now a flat copy of the token, a Map entry and one slot.
//
// An allow keeps no claims object: its claims are parsed again from the token's payload segment the
// first time someone asks for them (a claim rule, a partition, identity headers for the origin), then
// kept beside the slot (a WeakMap), not in it. That segment was verified, decoded and checked (strict
// UTF-8, no duplicate members) when the token was verified, and decoding the same bytes gives the same
// claims. A request that needs no claims (a route without rules or partitions answered from the
// cache) parses and allocates nothing.
//
// Why beside: an allow is then two fields (token, clock). Measured for a million such objects held
// in an array, heap per object: with the subclass's third field 64 B under Bun's JSC and 48 under V8,
// without it 32 and 40.
//
// The only time is `until`, the end of the remembered decision (exp + leeway, capped by maxTtl; a
// deny's own expiresAt) in whole seconds, rounded down, which is also the decision's expiresAt.
import type { JWTPayload } from 'jose';
import { SLOT_BYTES, SLOT_EPOCH_MS, Slot, stringBytes } from './decisions.js';
import { decodeObject } from './json.js';
import type { Decision, DenyReason, Identity } from './types.js';

/** The resolution of the authenticator's decision cache, which these slots' times are counted in. */
export const TOKEN_RESOLUTION_MS = 1000;

/** Claims of the remembered allows someone asked for; gone with their slot. */
const decodedClaims = new WeakMap<RememberedAllow, Readonly<JWTPayload>>();

/** A remembered allow: the Decision, its Identity, with claims decoded from the token on demand. */
export class RememberedAllow extends Slot implements Identity {
  declare readonly ok: true;
  /**
   * The revocation epoch this allow was last checked under (see authorize.ts), or REVOKED. A small
   * integer: one word per slot, and while no revocation arrives the hot path compares it and nothing else.
   */
  epoch = 0;

  get identity(): Identity {
    return this;
  }

  get expiresAt(): number {
    return SLOT_EPOCH_MS + this.until * TOKEN_RESOLUTION_MS;
  }

  get claims(): Readonly<JWTPayload> {
    let claims = decodedClaims.get(this);
    if (claims === undefined) {
      claims = claimsOf(this.credential);
      decodedClaims.set(this, claims);
    }
    return claims;
  }
}
// On the prototype: one word per slot less, and the same `ok` for every allow.
Object.defineProperty(RememberedAllow.prototype, 'ok', { value: true });

/** A remembered deny. */
export class RememberedDeny extends Slot {
  declare readonly ok: false;

  constructor(
    credential: string,
    until: number,
    readonly reason: DenyReason,
  ) {
    super(credential, until);
  }

  get expiresAt(): number {
    return SLOT_EPOCH_MS + this.until * TOKEN_RESOLUTION_MS;
  }
}
Object.defineProperty(RememberedDeny.prototype, 'ok', { value: false });

/**
 * A remembered allow of a long token (decisions.ts: FINGERPRINT_ABOVE), which the slot holds only by
 * its fingerprint: the verified claims cannot be decoded again, so they are kept in the slot.
 */
export class FingerprintedAllow extends Slot implements Identity {
  declare readonly ok: true;
  /** The estimate of the claims' heap, made once (rememberedBytes must answer the same every time). */
  readonly claimsBytes: number;

  constructor(
    fingerprint: string,
    until: number,
    readonly claims: Readonly<JWTPayload>,
  ) {
    super(fingerprint, until);
    this.claimsBytes = claimsBytesOf(JSON.stringify(claims).length);
  }

  get identity(): Identity {
    return this;
  }

  get expiresAt(): number {
    return SLOT_EPOCH_MS + this.until * TOKEN_RESOLUTION_MS;
  }
}
Object.defineProperty(FingerprintedAllow.prototype, 'ok', { value: true });

export type Remembered = RememberedAllow | FingerprintedAllow | RememberedDeny;

/** The authenticator's SlotMaker: `token` passed the syntax check, or is the fingerprint of one that did. */
export function rememberToken(token: string, decision: Decision, until: number, fingerprinted: boolean): Remembered {
  if (!decision.ok) return new RememberedDeny(token, until, decision.reason);
  return fingerprinted ? new FingerprintedAllow(token, until, decision.identity.claims) : new RememberedAllow(token, until);
}

/**
 * Decoded claims and the WeakMap entry that holds them, measured with bench/slot-bytes.ts: ~130 B for
 * a 50-byte claim set, ~1,150 B for a 1,100-byte one (Bun 1.4; Node 20 a little less). Counted as
 * 128 B plus twice the JSON text: above both.
 */
const CLAIMS_BYTES_PER_JSON_BYTE = 2;
const CLAIMS_OVERHEAD_BYTES = 128;

function claimsBytesOf(jsonLength: number): number {
  return CLAIMS_OVERHEAD_BYTES + CLAIMS_BYTES_PER_JSON_BYTE * jsonLength;
}

/**
 * The authenticator's estimate of a slot's heap: the slot and its token (or fingerprint), and for an
 * allow the claims it will hold once asked for them, counted from the start: the cache must not grow
 * past its bound when a claim rule first reads them.
 */
export function rememberedBytes(slot: Remembered): number {
  const held = SLOT_BYTES + stringBytes(slot.credential);
  if (!slot.ok) return held;
  // A RememberedAllow also holds its revocation epoch: one more field (8 B).
  if (slot instanceof FingerprintedAllow) return held + slot.claimsBytes;
  const token = slot.credential;
  const first = token.indexOf('.');
  // The payload segment is base64url: 4 characters for 3 bytes of JSON.
  return held + EPOCH_FIELD_BYTES + claimsBytesOf(Math.ceil(((token.indexOf('.', first + 1) - first - 1) * 3) / 4));
}

const EPOCH_FIELD_BYTES = 8;

/** The claims of a verified token, decoded again from its payload segment, frozen like the verifier's. */
function claimsOf(token: string): Readonly<JWTPayload> {
  const first = token.indexOf('.');
  const claims = decodeObject(token.slice(first + 1, token.indexOf('.', first + 1)), Number.MAX_SAFE_INTEGER);
  // Cannot happen (these exact bytes decoded when the token was verified); never answer with less.
  if (claims === undefined) throw new Error('remembered token: payload no longer decodes');
  return Object.freeze(claims) as JWTPayload;
}
