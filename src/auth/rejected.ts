// Denials made on sight: before any signature check (a token that is not a strict compact JWS, a
// header or claims that do not decode, an algorithm no key allows, no key for its kid) or before any
// call to the app (a malformed or oversize delegate credential). They are answered as they come and
// never remembered: deciding one again costs less than the memory of remembering every distinct one
// a flood can send. One frozen object per reason, so callers tell them from remembered denials by
// identity.
import type { Decision, DenyReason } from './types.js';

const ON_SIGHT = new Map<DenyReason, Decision>();

export function rejectedOnSight(reason: DenyReason): Decision {
  let decision = ON_SIGHT.get(reason);
  if (decision === undefined) {
    decision = Object.freeze({ ok: false, reason, expiresAt: 0 });
    ON_SIGHT.set(reason, decision);
  }
  return decision;
}

/** Whether a deny was made on sight (not remembered, no crypto, no call to the app). */
export function isRejectedOnSight(decision: Decision): boolean {
  return !decision.ok && ON_SIGHT.get(decision.reason) === decision;
}
