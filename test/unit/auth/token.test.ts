import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkTokenSyntax, extractToken } from '../../../src/auth/token.js';

const T = 'aaa.bbb.ccc';

describe('extractToken', () => {
  test('reads Authorization: Bearer with any letter case of the scheme', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      assert.equal(extractToken({ authorization: `${scheme} ${T}` }, 'token'), T);
    }
  });
  test('ignores other schemes and empty bearer values, then falls back to the cookie', () => {
    assert.equal(extractToken({ authorization: 'Basic dXNlcjpwYXNz', cookie: `token=${T}` }, 'token'), T);
    assert.equal(extractToken({ authorization: 'Bearer    ' }, 'token'), undefined);
    assert.equal(extractToken({ authorization: 'Bearertoken' }, 'token'), undefined);
  });
  test('the header wins over the cookie and the query', () => {
    const query = { param: 'access_token', search: '?access_token=q.q.q' };
    assert.equal(extractToken({ authorization: `Bearer ${T}`, cookie: 'token=c.c.c' }, 'token', query), T);
  });
  test('reads the named cookie among others, quoted or not, from several cookie headers', () => {
    assert.equal(extractToken({ cookie: `a=1; token=${T}; b=2` }, 'token'), T);
    assert.equal(extractToken({ cookie: `token="${T}"` }, 'token'), T);
    assert.equal(extractToken({ cookie: ['a=1', `jwt=${T}`] }, 'jwt'), T);
    assert.equal(extractToken({ cookie: `mytoken=${T}` }, 'token'), undefined);
  });
  test('reads the query parameter only when asked, exact name, percent-decoded', () => {
    assert.equal(extractToken({}, 'token', { param: 'access_token', search: `?x=1&access_token=${T}` }), T);
    assert.equal(extractToken({}, 'token', { param: 'access_token', search: 'access_token=a%2Eb.c' }), 'a.b.c');
    assert.equal(extractToken({}, 'token', { param: 'access_token', search: '?xaccess_token=a.b.c' }), undefined);
    assert.equal(extractToken({}, 'token', { param: 'access_token', search: '?access_token=%E0%A4%A' }), undefined);
    assert.equal(extractToken({}, 'token'), undefined);
  });
  test('several Authorization headers are ambiguous and ignored', () => {
    assert.equal(extractToken({ authorization: [`Bearer ${T}`, 'Bearer x.y.z'] }, 'token'), undefined);
  });
});

describe('checkTokenSyntax', () => {
  const ok = (token: string) => assert.equal(checkTokenSyntax(token, 8192), undefined, token);
  const bad = (token: string) => assert.equal(checkTokenSyntax(token, 8192), 'malformed', token);

  test('accepts three canonical base64url segments', () => {
    ok('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.AAAA');
    ok('abcd.efgh.ij-_');
    ok('abc.QQ.Qg'); // "Q" with 4 unused zero bits, "Qg" = "B"
  });
  test('refuses anything but exactly two dots (JWE has four)', () => {
    ok('abcd.efgh.ijkl');
    for (const token of ['', 'abcd', 'abcd.efgh', 'abcd.efgh.ijkl.mnop', 'abcd.efgh.ijkl.mnop.qrst', '.efgh.ijkl', 'abcd..ijkl', 'abcd.efgh.', '..']) bad(token);
  });
  test('refuses characters outside the base64url alphabet', () => {
    for (const char of ['+', '/', '=', ' ', '\t', '\n', '\0', 'é', '😀', '%']) bad(`abcd.e${char}gh.ijkl`);
    bad('abcd.efgh.QQ==');
  });
  test('refuses impossible lengths and non-zero unused trailing bits', () => {
    bad('abcde.efgh.ijkl'); // length % 4 == 1 never encodes whole bytes
    bad('abcd.QR.ijkl'); // "R" leaves 4 non-zero unused bits
    bad('abcd.efgh.QQB'); // length 3: the last 2 bits of "B" are non-zero
    ok('abcd.efgh.QQE'); // "E" = 000100: unused bits zero
  });
  test('refuses tokens longer than the cap without looking further', () => {
    const long = `${'a'.repeat(100)}.${'b'.repeat(100)}.${'c'.repeat(100)}`;
    assert.equal(checkTokenSyntax(long, 302), undefined);
    assert.equal(checkTokenSyntax(long, 301), 'malformed');
  });
});

test('checkTokenSyntax agrees with a base64url round trip on random near-tokens', () => {
  const roundTrips = (segment: string) => segment !== '' && Buffer.from(segment, 'base64url').toString('base64url') === segment;
  const reference = (token: string) => {
    const parts = token.split('.');
    return parts.length === 3 && parts.every(roundTrips);
  };
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ '.split('');
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...chars), maxLength: 40 }), (token) => {
      assert.equal(checkTokenSyntax(token, 8192) === undefined, reference(token), token);
    }),
    { numRuns: 20_000 },
  );
});
