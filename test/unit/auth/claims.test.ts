// Our own header and claim checks, tested without jose so they stand on their own.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkClaims, checkHeader, typMatches } from '../../../src/auth/claims.js';
import { decodeObject, hasDuplicateMembers } from '../../../src/auth/json.js';

const NOW = 1_700_000_000_000;
const S = NOW / 1000;
const policy = { issuer: 'iss', audience: ['aud'], leewayMs: 30_000 };
const ok = { iss: 'iss', aud: 'aud', exp: S + 60 };

describe('checkClaims', () => {
  test('accepts valid claims, with aud as a string or an array', () => {
    assert.equal(checkClaims(ok, policy, NOW), undefined);
    assert.equal(checkClaims({ ...ok, aud: ['x', 'aud'] }, policy, NOW), undefined);
    assert.equal(checkClaims({ exp: S + 60 }, { issuer: undefined, audience: undefined, leewayMs: 0 }, NOW), undefined);
  });
  test('times must be finite NumericDates before year 10000', () => {
    for (const exp of ['1', Infinity, NaN, -1, 1e15, null, true, [S]]) {
      assert.equal(checkClaims({ ...ok, exp }, policy, NOW), 'invalid_claims', String(exp));
    }
    assert.equal(checkClaims({ ...ok, nbf: '0' }, policy, NOW), 'invalid_claims');
    assert.equal(checkClaims({ ...ok, iat: Infinity }, policy, NOW), 'invalid_claims');
  });
  test('exp, nbf and iat are judged with the leeway', () => {
    assert.equal(checkClaims({ ...ok, exp: undefined }, policy, NOW), 'missing_exp');
    assert.equal(checkClaims({ ...ok, exp: S - 29 }, policy, NOW), undefined);
    assert.equal(checkClaims({ ...ok, exp: S - 30 }, policy, NOW), 'expired');
    assert.equal(checkClaims({ ...ok, nbf: S + 30 }, policy, NOW), undefined);
    assert.equal(checkClaims({ ...ok, nbf: S + 31 }, policy, NOW), 'not_yet_valid');
    assert.equal(checkClaims({ ...ok, iat: S + 30 }, policy, NOW), undefined);
    assert.equal(checkClaims({ ...ok, iat: S + 31 }, policy, NOW), 'invalid_claims');
  });
  test('iss and aud', () => {
    assert.equal(checkClaims({ ...ok, iss: 'other' }, policy, NOW), 'wrong_issuer');
    assert.equal(checkClaims({ ...ok, iss: undefined }, policy, NOW), 'wrong_issuer');
    assert.equal(checkClaims({ ...ok, aud: ['x'] }, policy, NOW), 'wrong_audience');
    assert.equal(checkClaims({ ...ok, aud: [1] }, policy, NOW), 'wrong_audience');
    assert.equal(checkClaims({ ...ok, aud: undefined }, policy, NOW), 'wrong_audience');
  });
});

describe('checkHeader and typ', () => {
  test('alg must be a supported algorithm, never none', () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE', '', 'hs256', 'RSA-OAEP', 1, undefined]) {
      assert.deepEqual(checkHeader({ alg }), { ok: false, reason: 'alg_not_allowed' }, String(alg));
    }
    assert.deepEqual(checkHeader({ alg: 'RS256', kid: 'k', jku: 'https://x', jwk: {}, x5u: 'x', x5c: [] }), {
      ok: true, alg: 'RS256', kid: 'k', typ: undefined,
    });
  });
  test('crit, b64, zip, bad kid or typ are malformed', () => {
    for (const extra of [{ crit: ['exp'] }, { b64: true }, { zip: 'DEF' }, { kid: '' }, { kid: 3 }, { typ: 1 }]) {
      assert.deepEqual(checkHeader({ alg: 'HS256', ...extra }), { ok: false, reason: 'malformed' }, JSON.stringify(extra));
    }
  });
  test('typ compares case-insensitively, with or without application/', () => {
    assert.equal(typMatches('at+jwt', 'at+jwt'), true);
    assert.equal(typMatches('application/AT+JWT', 'at+jwt'), true);
    assert.equal(typMatches('JWT', 'at+jwt'), false);
    assert.equal(typMatches(undefined, 'at+jwt'), false);
  });
});

describe('JSON decoding', () => {
  test('duplicate members are found at any depth, escaped or not, but not across objects', () => {
    assert.equal(hasDuplicateMembers('{"a":1,"a":2}'), true);
    assert.equal(hasDuplicateMembers('{"a":1, "\\u0061" :2}'), true);
    assert.equal(hasDuplicateMembers('{"x":{"a":1,"a":2}}'), true);
    assert.equal(hasDuplicateMembers('{"x":[{"a":1},{"a":2}],"a":"a"}'), false);
    assert.equal(hasDuplicateMembers('{"a":"\\"a\\":","b":["a","a"]}'), false);
    assert.equal(hasDuplicateMembers('{"a\\"":1,"a":2}'), false);
  });
  test('decodeObject refuses duplicates, non-objects, invalid UTF-8 and oversize', () => {
    const seg = (text: string) => Buffer.from(text).toString('base64url');
    assert.deepEqual(decodeObject(seg('{"a":1}'), 100), { a: 1 });
    assert.equal(decodeObject(seg('{"a":1,"a":1}'), 100), undefined);
    assert.equal(decodeObject(seg('[]'), 100), undefined);
    assert.equal(decodeObject(seg('null'), 100), undefined);
    assert.equal(decodeObject(seg('{"a":1'), 100), undefined);
    assert.equal(decodeObject(Buffer.from([0x7b, 0xc3, 0x7d]).toString('base64url'), 100), undefined);
    assert.equal(decodeObject(seg(`{"a":"${'x'.repeat(100)}"}`), 100), undefined);
  });
});
