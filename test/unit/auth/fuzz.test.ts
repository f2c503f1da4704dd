// Property: whatever string reaches decide(), it never throws and never yields ok unless it is exactly
// the valid token (random strings, and mutations of a valid token).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { createAuthenticator, type Authenticator } from '../../../src/auth/authenticator.js';
import { NOW, claims, config, pairFor, sign } from './fixtures.js';

let auth: Authenticator;
let valid: string;

before(async () => {
  const pair = await pairFor('ES256', 'fuzz-ec');
  auth = await createAuthenticator(config({ keys: [{ publicKeyFile: pair.pemFile, alg: 'ES256' }] }), { now: () => NOW });
  valid = await sign(claims(), 'ES256', pair.privateKey);
});

async function acceptedOnlyIfValid(token: string): Promise<void> {
  const decision = await auth.decide(token); // a throw here fails the property
  if (decision.ok) assert.equal(token, valid);
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

test('the valid token is accepted', async () => {
  assert.equal((await auth.decide(valid)).ok, true);
});

test('random strings never throw and are never accepted', async () => {
  const segment = fc.string({ unit: fc.constantFrom(...B64URL.split('')), maxLength: 60 });
  const arbitrary = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.tuple(segment, segment, segment).map((parts) => parts.join('.')));
  await fc.assert(fc.asyncProperty(arbitrary, acceptedOnlyIfValid), { numRuns: 500 });
});

test('mutations of a valid token (character flips, segment swaps, truncation, insertion) are never accepted', async () => {
  const flip = fc.tuple(fc.nat(), fc.constantFrom(...B64URL.split(''), '.', '=', '+', ' ')).map(([at, char]) => (t: string) => {
    const i = at % t.length;
    return t.slice(0, i) + char + t.slice(i + 1);
  });
  const swap = fc.tuple(fc.nat(2), fc.nat(2)).map(([a, b]) => (t: string) => {
    const parts = t.split('.');
    [parts[a], parts[b]] = [parts[b] as string, parts[a] as string];
    return parts.join('.');
  });
  const truncate = fc.nat().map((n) => (t: string) => t.slice(0, n % t.length));
  const insert = fc.tuple(fc.nat(), fc.string({ maxLength: 4 })).map(([at, s]) => (t: string) => t.slice(0, at % t.length) + s + t.slice(at % t.length));
  const mutation = fc.array(fc.oneof(flip, swap, truncate, insert), { minLength: 1, maxLength: 3 });
  await fc.assert(
    fc.asyncProperty(mutation, async (steps) => acceptedOnlyIfValid(steps.reduce((t, step) => step(t), valid))),
    { numRuns: 1000 },
  );
});
