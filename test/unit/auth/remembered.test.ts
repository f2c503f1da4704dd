// Remembered JWT decisions, one object per token: the slot is the Decision and the Identity, its
// claims decoded again from the verified token on first use. They must equal what was verified, and a
// different credential (a colliding one, or one that reuses a victim's signature) must never get
// another's decision or claims.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecisionCache, SLOT_EPOCH_MS } from '../../../src/auth/decisions.js';
import { RememberedAllow, TOKEN_RESOLUTION_MS, rememberedBytes, rememberToken } from '../../../src/auth/remembered.js';
import type { Decision } from '../../../src/auth/types.js';
import { NOW, b64, claims, hmacRaw, recordingAuthenticator } from './fixtures.js';

const SECONDS = NOW / 1000;
const HEADER = '{"alg":"HS256","typ":"JWT"}';
const token = (extra = {}) => hmacRaw(HEADER, JSON.stringify(claims(extra)));
/** White box: what an allow holds itself (the memory of a million of them). */
const SLOT_FIELDS = ['credential', 'clock', 'epoch'];

describe('a remembered allow', () => {
  test('is one object: the decision its verification answered, every hit, and its own identity', async () => {
    const { auth } = await recordingAuthenticator();
    const valid = token();
    const first = await auth.decide(valid);
    assert.ok(first instanceof RememberedAllow);
    assert.equal(auth.decide(valid), first);
    assert.equal(auth.decide(`${valid}`.slice(0)), first, 'the same credential in another string');
    assert.ok(first.ok);
    assert.equal(first.identity, first);
  });
  test('decodes no claims for a hit, and the claims it decodes on first use equal the verified ones, frozen', async () => {
    const { auth, verified } = await recordingAuthenticator();
    const valid = token({ sub: 'user-7', scope: 'read:feed write:feed', roles: ['a', 'b'], tenant: { id: 't-1' }, name: 'Zoë 🙂' });
    const decision = await auth.decide(valid);
    for (let i = 0; i < 3; i++) auth.decide(valid);
    assert.deepEqual(Object.keys(decision), SLOT_FIELDS, 'the token and its clock, nothing decoded');
    assert.ok(decision.ok && verified[0]?.ok);
    const lazily = decision.identity.claims;
    assert.deepEqual(lazily, verified[0].identity.claims);
    assert.deepEqual(lazily, claims({ sub: 'user-7', scope: 'read:feed write:feed', roles: ['a', 'b'], tenant: { id: 't-1' }, name: 'Zoë 🙂' }));
    assert.ok(Object.isFrozen(lazily));
    assert.equal(decision.identity.claims, lazily, 'decoded once, then kept');
    assert.deepEqual(Object.keys(decision), SLOT_FIELDS, 'kept beside the slot, not in it');
  });
  test('holds until exp + leeway, or maxTtl, in whole seconds rounded down', async () => {
    const { auth, time } = await recordingAuthenticator({ leeway: '30s', decisions: { maxTtl: '1h' } });
    const decision = await auth.decide(token({ exp: SECONDS + 60 }));
    assert.equal(decision.expiresAt, (SECONDS + 90) * 1000);
    time.advance(500);
    const capped = await auth.decide(token({ exp: SECONDS + 7200 }));
    assert.equal(capped.expiresAt, NOW + 3_600_000, 'now + maxTtl = NOW + 3,600,500, rounded down');
    assert.ok(Number.isInteger((capped.expiresAt - SLOT_EPOCH_MS) / TOKEN_RESOLUTION_MS));
  });
});

describe('a remembered deny', () => {
  test('is one object with its reason, until its own expiresAt', async () => {
    const { auth, time } = await recordingAuthenticator({ decisions: { negativeTtl: '10s' } });
    const forged = hmacRaw(HEADER, JSON.stringify(claims()), 'not-the-secret');
    const first = await auth.decide(forged);
    assert.equal(first.ok, false);
    assert.equal(!first.ok && first.reason, 'bad_signature');
    assert.equal(first.expiresAt, NOW + 10_000);
    assert.equal(auth.decide(forged), first);
    time.advance(10_000);
    assert.ok(auth.decide(forged) instanceof Promise);
  });
});

describe('attacks on remembered decisions', () => {
  test("a colliding credential never gets another's decision or claims, not even through a slot it displaced", () => {
    // hashTail 1: tokens whose signatures end alike share a slot.
    const cache = new DecisionCache({ max: 10, maxTtlMs: 3_600_000, hashTail: 1, resolutionMs: TOKEN_RESOLUTION_MS, slot: rememberToken, bytes: rememberedBytes });
    const find = (last: string, sub: string) => {
      for (let i = 0; ; i++) {
        const t = token({ sub, jti: String(i) });
        if (t.endsWith(last)) return t;
      }
    };
    const victim = find('A', 'victim');
    const attacker = find('A', 'attacker');
    const allow = (t: string): Decision => {
      const payload = JSON.parse(Buffer.from(t.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
      return { ok: true, identity: { claims: Object.freeze(payload), expiresAt: (SECONDS + 600) * 1000 }, expiresAt: (SECONDS + 600) * 1000 };
    };
    const held = cache.remember(victim, allow(victim), NOW);
    assert.ok(held?.ok);
    assert.equal(cache.get(attacker, NOW), undefined, 'same slot, different credential: no answer');
    const mine = cache.remember(attacker, allow(attacker), NOW);
    assert.equal(cache.get(victim, NOW), undefined, 'displaced: verified again, never answered wrongly');
    assert.equal(cache.get(attacker, NOW), mine);
    assert.equal(held.identity.claims['sub'], 'victim', "a slot already handed out keeps its own token's claims");
    assert.equal(held.credential, victim);
    assert.ok(mine?.ok);
    assert.equal(mine.identity.claims['sub'], 'attacker');
  });
  test("a token that reuses a remembered token's signature (or header) with other claims is verified, and denied", async () => {
    const { auth, verified } = await recordingAuthenticator();
    const victim = token({ sub: 'victim', scope: 'admin' });
    const allowed = await auth.decide(victim);
    assert.ok(allowed.ok);
    const [header, , signature] = victim.split('.');
    const swapped = `${header}.${b64(JSON.stringify(claims({ sub: 'attacker', scope: 'admin' })))}.${signature}`;
    const decision = await auth.decide(swapped);
    assert.equal(decision.ok ? 'ok' : decision.reason, 'bad_signature');
    assert.equal(verified.length, 2, 'verified, not answered from the victim slot');
    // Same signature, same slot: the deny displaced the victim's allow, which is verified again.
    const again = await auth.decide(victim);
    assert.ok(again.ok);
    assert.equal(again.identity.claims['sub'], 'victim');
    assert.equal(allowed.identity.claims['sub'], 'victim', 'the displaced allow still holds its own claims');
    assert.equal(verified.length, 3);
  });
  test('a token with a trailing or inner difference is a different credential', async () => {
    const { auth } = await recordingAuthenticator();
    const valid = token();
    const allowed = await auth.decide(valid);
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const flipped = (segment: string) => `${segment.slice(0, -2)}${segment.at(-2) === 'A' ? 'B' : 'A'}${segment.at(-1)}`;
    const variants = [`${valid} `, ` ${valid}`, `${valid}.`, valid.slice(0, -1), `${header}.${flipped(payload)}.${signature}`, `${flipped(header)}.${payload}.${signature}`];
    for (const other of variants) {
      const decision = await auth.decide(other);
      assert.notEqual(decision, allowed, JSON.stringify(other));
      assert.equal(decision.ok, false, JSON.stringify(other));
    }
  });
});
