// The decision cache and the authenticator's miss handling: one verification per token however many
// ask, hits answered synchronously, expiry at the token's exp on a controlled clock, CLOCK bound; the
// flat copy a credential is remembered by, and the in-flight registry.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAuthenticator } from '../../../src/auth/authenticator.js';
import { DecisionCache, DecisionSlot, FINGERPRINT_ABOVE, SLOT_BYTES, SLOT_EPOCH_MS, flatCopy, stringBytes } from '../../../src/auth/decisions.js';
import { isRejectedOnSight } from '../../../src/auth/rejected.js';
import { FingerprintedAllow } from '../../../src/auth/remembered.js';
import { InFlight } from '../../../src/auth/in-flight.js';
import type { Decision } from '../../../src/auth/types.js';
import { HS_SECRET, NOW, claims, config, hmacRaw, recordingAuthenticator } from './fixtures.js';

const SECONDS = NOW / 1000;

const token = (extra = {}) => hmacRaw('{"alg":"HS256"}', JSON.stringify(claims(extra)));

describe('authenticator', () => {
  test('a flood of one forged token costs one verification', async () => {
    const { auth, verified } = await recordingAuthenticator();
    const forged = hmacRaw('{"alg":"HS256"}', JSON.stringify(claims()), 'not-the-secret');
    const first = await Promise.all(Array.from({ length: 1000 }, () => auth.decide(forged)));
    const later = Array.from({ length: 1000 }, () => auth.decide(forged));
    assert.equal(verified.length, 1);
    assert.ok(first.every((d) => !d.ok && d.reason === 'bad_signature'));
    assert.ok(later.every((d) => !(d instanceof Promise) && !d.ok), 'cached denies are answered synchronously');
  });
  test('a cached decision is returned synchronously, the same object, without verifying again', async () => {
    const { auth, verified } = await recordingAuthenticator();
    const valid = token();
    const first = await auth.decide(valid);
    assert.equal(first.ok, true);
    const second = auth.decide(valid);
    assert.equal(second, first);
    assert.equal(verified.length, 1);
  });
  test('a valid decision ends at the token exp (+ leeway); a deny after negativeTtl', async () => {
    const { auth, time, verified } = await recordingAuthenticator({ leeway: 0, decisions: { negativeTtl: '10s' } });
    const valid = token({ exp: SECONDS + 60 });
    assert.equal((await auth.decide(valid)).ok, true);
    time.advance(59_999);
    assert.equal((auth.decide(valid) as Decision).ok, true);
    time.advance(1);
    const after = auth.decide(valid);
    assert.ok(after instanceof Promise, 'expired entry is not served from the cache');
    const expired = await after;
    assert.equal(expired.ok ? 'ok' : expired.reason, 'expired');
    assert.equal(verified.length, 2);
    time.advance(9_999);
    assert.ok(!(auth.decide(valid) instanceof Promise));
    time.advance(1);
    assert.ok(auth.decide(valid) instanceof Promise, 'the deny is forgotten after negativeTtl');
  });
  test('maxTtl caps how long a valid decision is remembered', async () => {
    const { auth, time } = await recordingAuthenticator({ decisions: { maxTtl: '5s' } });
    const valid = token({ exp: SECONDS + 3600 });
    await auth.decide(valid);
    time.advance(4_999);
    assert.ok(!(auth.decide(valid) instanceof Promise));
    time.advance(1);
    assert.ok(auth.decide(valid) instanceof Promise);
  });
  test('the decision cache keeps at most max entries', async () => {
    const { auth, verified } = await recordingAuthenticator({ decisions: { max: 3 } });
    const tokens = [1, 2, 3, 4, 5].map((n) => token({ sub: `user-${n}` }));
    for (const t of tokens) await auth.decide(t);
    assert.equal(verified.length, 5);
    // Checked without awaiting: a miss starts a verification but changes nothing before it settles.
    assert.ok(!(auth.decide(tokens[3] as string) instanceof Promise), 'recent entries kept');
    assert.ok(!(auth.decide(tokens[4] as string) instanceof Promise), 'recent entries kept');
    const missing = tokens.slice(0, 3).filter((t) => auth.decide(t) instanceof Promise);
    assert.equal(missing.length, 2, 'two of the three oldest made room');
  });
  test('a throwing hook does not break decide', async () => {
    const auth = await createAuthenticator(config({ keys: [{ secret: HS_SECRET, alg: 'HS256' }] }), {
      now: () => NOW,
      hooks: { onVerify: () => { throw new Error('metrics down'); } },
    });
    assert.equal((await auth.decide(token())).ok, true);
  });
});

/** A cache of plain decisions (the delegate's kind of slot), at 1 ms resolution unless told. */
function plainCache(options: { max: number; maxTtlMs: number; hashTail?: number; resolutionMs?: number; maxBytes?: number }) {
  const cache = new DecisionCache<DecisionSlot>({
    ...options,
    slot: (credential, decision, until) => new DecisionSlot(credential, until, decision),
    bytes: (slot) => SLOT_BYTES + stringBytes(slot.credential),
  });
  return { cache, get: (credential: string, now: number) => cache.get(credential, now)?.decision };
}

describe('DecisionCache', () => {
  test('never returns a positive decision past its expiresAt', () => {
    const { cache, get } = plainCache({ max: 10, maxTtlMs: 60_000 });
    const at = SLOT_EPOCH_MS;
    const decision: Decision = { ok: true, identity: { claims: {}, expiresAt: at + 1_000 }, expiresAt: at + 1_000 };
    cache.remember('t', decision, at);
    assert.equal(get('t', at + 999), decision);
    assert.equal(get('t', at + 1_000), undefined);
    assert.equal(cache.size, 0);
  });
  test('credentials sharing a slot never share a decision: the newer displaces the older', () => {
    // hashTail 1: every credential ending in "x" lands in one slot.
    const { cache, get } = plainCache({ max: 10, maxTtlMs: 60_000, hashTail: 1 });
    const victim: Decision = { ok: true, identity: { claims: { sub: 'victim' }, expiresAt: NOW + 10_000 }, expiresAt: NOW + 10_000 };
    const forged: Decision = { ok: false, reason: 'bad_signature', expiresAt: NOW + 10_000 };
    const held = cache.remember('victim-token-x', victim, NOW);
    assert.equal(get('forged-token-x', NOW + 1), undefined, 'a colliding credential gets no answer of another');
    cache.remember('forged-token-x', forged, NOW + 1);
    assert.equal(get('forged-token-x', NOW + 2), forged);
    assert.equal(get('victim-token-x', NOW + 2), undefined, 'displaced: verified again, never answered wrongly');
    assert.equal(cache.size, 1);
    assert.equal(held?.credential, 'victim-token-x', 'a slot already handed out is never rewritten');
    assert.equal(held?.decision, victim);
  });
  test('is bounded, and evicts what was not read since the evictor last passed (second chance)', () => {
    const { cache, get } = plainCache({ max: 3, maxTtlMs: 60_000 });
    const decision: Decision = { ok: false, reason: 'expired', expiresAt: NOW + 10_000 };
    for (const credential of ['a', 'b', 'c']) cache.remember(credential, decision, NOW);
    cache.remember('d', decision, NOW); // the evictor's first turn clears every bit; one of a, b, c goes
    // The first survivor, read now (a miss on the one that went changes nothing); the other is not.
    const read = ['a', 'b', 'c'].find((credential) => get(credential, NOW + 1) !== undefined);
    cache.remember('e', decision, NOW + 1);
    const kept = ['a', 'b', 'c', 'd', 'e'].filter((credential) => get(credential, NOW + 2) !== undefined);
    assert.deepEqual(kept, [read, 'd', 'e'], 'the unread survivor went, the read one and the new ones stayed');
    for (let i = 0; i < 100; i++) cache.remember(`flood-${i}`, decision, NOW + 3);
    assert.equal(cache.size, 3);
  });
  test('does not store a decision that is already over', () => {
    const { cache } = plainCache({ max: 10, maxTtlMs: 60_000 });
    assert.equal(cache.remember('t', { ok: false, reason: 'expired', expiresAt: NOW + 5 }, NOW + 5), undefined);
    assert.equal(cache.size, 0);
  });
  test('a coarser resolution ends a decision early (at the unit it falls in), never late', () => {
    const { cache, get } = plainCache({ max: 10, maxTtlMs: 60_000, resolutionMs: 1_000 });
    const at = SLOT_EPOCH_MS + 5_000_000;
    cache.remember('deny', { ok: false, reason: 'bad_signature', expiresAt: at + 2_700 }, at);
    assert.notEqual(get('deny', at + 1_999), undefined);
    assert.equal(get('deny', at + 2_000), undefined, 'ends at the whole second before its expiresAt');
    cache.remember('allow', { ok: true, identity: { claims: {}, expiresAt: at + 90_000 }, expiresAt: at + 90_000 }, at + 400);
    assert.notEqual(get('allow', at + 59_999), undefined);
    assert.equal(get('allow', at + 60_000), undefined, 'maxTtl still caps it (at + 60,400, rounded down)');
    assert.equal(cache.remember('short', { ok: false, reason: 'expired', expiresAt: at + 900 }, at + 100), undefined, 'over within its unit: not remembered');
  });
});

describe('DecisionCache bounds in bytes', () => {
  const deny: Decision = { ok: false, reason: 'bad_signature', expiresAt: NOW + 10_000 };
  const cost = (credential: string) => SLOT_BYTES + stringBytes(credential);

  test('evicts (CLOCK) until the estimate is under maxBytes, and counts what it drops off again', () => {
    const credential = (i: number) => `credential-${String(i).padStart(6, '0')}`;
    const { cache, get } = plainCache({ max: 1_000_000, maxTtlMs: 60_000, maxBytes: 10 * cost(credential(0)) });
    for (let i = 0; i < 1_000; i++) cache.remember(credential(i), deny, NOW);
    assert.equal(cache.size, 10);
    assert.equal(cache.bytes, 10 * cost(credential(0)));
    assert.notEqual(get(credential(999), NOW), undefined, 'the newest is kept');
    for (let i = 0; i < 1_000; i++) get(credential(i), NOW + 10_000); // every one expired: each read drops it
    assert.equal(cache.size, 0);
    assert.equal(cache.bytes, 0);
  });
  test('a displaced slot is counted off; a slot larger than maxBytes on its own is not remembered', () => {
    const { cache } = plainCache({ max: 10, maxTtlMs: 60_000, maxBytes: 1_000, hashTail: 1 });
    cache.remember('a-x', deny, NOW);
    cache.remember('b-x', deny, NOW); // same slot: displaces a-x
    assert.deepEqual([cache.size, cache.bytes], [1, cost('b-x')]);
    assert.equal(cache.remember('y'.repeat(1_000), deny, NOW), undefined);
    assert.deepEqual([cache.size, cache.bytes], [1, cost('b-x')]);
  });
  test('a long credential is remembered by a 32-character fingerprint, never by its text', () => {
    const { cache, get } = plainCache({ max: 10, maxTtlMs: 60_000 });
    const long = `${'A'.repeat(FINGERPRINT_ABOVE)}-one`;
    const slot = cache.remember(long, deny, NOW);
    assert.equal(slot?.credential.length, 32);
    assert.ok(!slot.credential.includes('AAAA'));
    assert.equal(cache.bytes, cost(slot.credential));
    assert.equal(get(`${'A'.repeat(FINGERPRINT_ABOVE)}-one`, NOW), deny, 'the same credential in another string');
    assert.equal(get(`${'A'.repeat(FINGERPRINT_ABOVE)}-two`, NOW), undefined);
    assert.equal(get(slot.credential, NOW), undefined, 'the fingerprint itself, sent as a short credential, is not it');
    const short = 'A'.repeat(FINGERPRINT_ABOVE);
    cache.remember(short, deny, NOW);
    assert.equal(cache.get(short, NOW)?.credential, short, 'up to FINGERPRINT_ABOVE the exact text is kept');
  });
});

describe('what the authenticator remembers', () => {
  test('tokens refused before any signature check are answered at once and not remembered', async () => {
    const { auth, verified } = await recordingAuthenticator({ keys: [{ secret: HS_SECRET, alg: 'HS256', kid: 'k1' }] });
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    const refusals = [
      `AAAA.AAAA.${'B'.repeat(8_000)}`, // the flood: passes the syntax check, decodes to no JSON
      'garbage',
      `${b64('{"alg":"none"}')}.${b64(JSON.stringify(claims()))}.AAAA`,
      `${b64('{"alg":"RS256","kid":"k1"}')}.${b64(JSON.stringify(claims()))}.AAAA`,
      hmacRaw('{"alg":"HS256","kid":"nobody"}', JSON.stringify(claims())),
      hmacRaw('{"alg":"HS256","crit":["x"]}', JSON.stringify(claims())),
    ];
    for (const refused of refusals) {
      const decision = auth.decide(refused);
      assert.ok(!(decision instanceof Promise), 'synchronous');
      assert.ok(isRejectedOnSight(decision), refused.slice(0, 40));
    }
    assert.deepEqual(auth.remembered(), { entries: 0, bytes: 0 });
    assert.deepEqual(verified.map((d) => (d.ok ? 'ok' : d.reason)), ['malformed', 'alg_not_allowed', 'alg_not_allowed', 'unknown_key', 'malformed'], 'past the syntax check: reported');
  });
  test('a long token is remembered by its fingerprint, allowed with its verified claims, denied as such', async () => {
    const { auth, verified } = await recordingAuthenticator();
    const long = token({ sub: 'long-user', groups: Array.from({ length: 200 }, (_, i) => `group-${i}`) });
    assert.ok(long.length > FINGERPRINT_ABOVE);
    const first = await auth.decide(long);
    assert.ok(first instanceof FingerprintedAllow);
    assert.equal(first.ok && first.identity.claims.sub, 'long-user');
    assert.equal(auth.decide(`${long}`.slice(0)), first, 'a hit, synchronously');
    const forged = hmacRaw('{"alg":"HS256"}', JSON.stringify(claims({ sub: 'x', pad: 'p'.repeat(3_000) })), 'not-the-secret');
    const denied = await auth.decide(forged);
    assert.equal(denied.ok ? 'ok' : denied.reason, 'bad_signature');
    assert.ok(!(auth.decide(forged) instanceof Promise), 'the deny is remembered (by fingerprint)');
    assert.equal(verified.length, 2);
    const { entries, bytes } = auth.remembered();
    assert.equal(entries, 2);
    assert.ok(bytes < long.length + 8_000, `bytes ${bytes}: the slots hold no token text`);
  });
});

describe('flatCopy', () => {
  test('is an equal string, and leaves a credential latin1 cannot carry as it came', () => {
    const header = `Bearer ${token()}`;
    const sliced = header.slice(7).trim();
    assert.equal(flatCopy(sliced), sliced);
    // Through latin1, \u0142 would come back as "B": a different credential, never to be remembered.
    for (const wide of ['cookie-\u0142', 'cookie-\u{1F600}', 'cookie-B']) assert.equal(flatCopy(wide), wide);
  });
});

describe('InFlight', () => {
  test('shares work until it settles, fulfilled or rejected, then forgets it', async () => {
    const inFlight = new InFlight<number>(10);
    let fulfil!: (value: number) => void;
    const work = new Promise<number>((resolve) => (fulfil = resolve));
    inFlight.share('a', work);
    assert.equal(inFlight.get('a'), work);
    fulfil(1);
    await work;
    await Promise.resolve();
    assert.equal(inFlight.get('a'), undefined);
    const failing = Promise.reject(new Error('no answer'));
    inFlight.share('b', failing);
    await failing.catch(() => undefined);
    await Promise.resolve();
    assert.equal(inFlight.get('b'), undefined);
  });
  test('is bounded, and keeps what is in flight across its periodic fresh Map', () => {
    const inFlight = new InFlight<number>(1_000);
    const pending = Array.from({ length: 1_000 }, () => new Promise<number>(() => undefined));
    pending.forEach((work, i) => inFlight.share(`t${i}`, work));
    assert.equal(inFlight.size, 1_000);
    assert.ok(pending.every((work, i) => inFlight.get(`t${i}`) === work));
    inFlight.share('over', Promise.resolve(0));
    assert.equal(inFlight.get('over'), undefined, 'beyond max: not shared');
  });
});

test('with leeway, a valid decision holds until exp + leeway, as long as verification would accept it', async () => {
  const { auth, time } = await recordingAuthenticator({ leeway: '30s' });
  const valid = token({ exp: SECONDS + 60 });
  const decision = await auth.decide(valid);
  assert.equal(decision.ok && decision.expiresAt, (SECONDS + 90) * 1000);
  time.advance(89_999);
  assert.ok(!(auth.decide(valid) instanceof Promise));
  time.advance(1);
  const after = await auth.decide(valid);
  assert.equal(after.ok ? 'ok' : after.reason, 'expired');
});

test('a not-yet-valid deny is forgotten when the token becomes valid', async () => {
  const { auth, time } = await recordingAuthenticator({ leeway: '1s', decisions: { negativeTtl: '30s' } });
  const early = token({ nbf: SECONDS + 5, iat: SECONDS });
  const first = await auth.decide(early);
  assert.equal(first.ok ? 'ok' : first.reason, 'not_yet_valid');
  time.advance(3_999);
  assert.ok(!(auth.decide(early) instanceof Promise));
  time.advance(1);
  const later = await auth.decide(early);
  assert.equal(later.ok ? 'ok' : later.reason, 'ok');
});
