// The revocation set: what each kind covers, how long, its bounds, and the epoch the hot path reads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fingerprint, isRevocation, RevocationSet, RevocationsFullError, type Revocation } from '../../../src/auth/revocations.js';

const NOW = 1_800_000_000_000;
const SECONDS = NOW / 1000;
const limits = { max: 100, maxBytes: 1024 * 1024 };

describe('RevocationSet', () => {
  test('a token by fingerprint; a jti; a subject before a time; everyone before a time', () => {
    const set = new RevocationSet(limits);
    set.add({ kind: 'token', id: fingerprint('t.o.k'), until: NOW + 1000 }, NOW);
    set.add({ kind: 'jti', id: 'j-1', until: NOW + 1000 }, NOW);
    set.add({ kind: 'sub', id: 'alice', before: SECONDS, until: NOW + 1000 }, NOW);
    assert.equal(set.covers('t.o.k', {}, NOW), true);
    assert.equal(set.covers('other', {}, NOW), false);
    assert.equal(set.covers('other', { jti: 'j-1' }, NOW), true);
    assert.equal(set.covers('other', { jti: 'j-2' }, NOW), false);
    assert.equal(set.covers('other', { sub: 'alice', iat: SECONDS }, NOW), true, 'iat <= before');
    assert.equal(set.covers('other', { sub: 'alice', iat: SECONDS + 1 }, NOW), false, 'issued after the revocation');
    assert.equal(set.covers('other', { sub: 'alice' }, NOW), true, 'no iat: cannot show it is newer');
    assert.equal(set.covers('other', { sub: 'bob', iat: 0 }, NOW), false);
    set.add({ kind: 'all', before: SECONDS - 10, until: NOW + 1000 }, NOW);
    assert.equal(set.covers('other', { sub: 'bob', iat: SECONDS - 10 }, NOW), true);
    assert.equal(set.covers('other', { sub: 'bob', iat: SECONDS - 9 }, NOW), false);
  });

  test('every change moves the epoch; a revocation already covered does not', () => {
    const set = new RevocationSet(limits);
    assert.equal(set.epoch, 0);
    assert.ok(set.add({ kind: 'jti', id: 'j', until: NOW + 1000 }, NOW));
    assert.equal(set.epoch, 1);
    assert.equal(set.add({ kind: 'jti', id: 'j', until: NOW + 500 }, NOW), undefined);
    assert.equal(set.epoch, 1);
    assert.deepEqual(set.add({ kind: 'jti', id: 'j', until: NOW + 2000 }, NOW), { kind: 'jti', id: 'j', until: NOW + 2000 });
    assert.deepEqual(set.add({ kind: 'sub', id: 's', before: 10, until: NOW + 10 }, NOW), { kind: 'sub', id: 's', before: 10, until: NOW + 10 });
    assert.deepEqual(set.add({ kind: 'sub', id: 's', before: 5, until: NOW + 20 }, NOW), { kind: 'sub', id: 's', before: 10, until: NOW + 20 }, 'widened, never narrowed');
    assert.equal(set.epoch, 4);
    assert.equal(set.add({ kind: 'jti', id: 'gone', until: NOW }, NOW), undefined, 'already over');
  });

  test('entries go when the tokens they cover would have expired; counts and listing', () => {
    const set = new RevocationSet(limits);
    set.add({ kind: 'token', id: 'f', until: NOW + 100 }, NOW);
    set.add({ kind: 'jti', id: 'j', until: NOW + 200 }, NOW);
    set.add({ kind: 'all', before: 1, until: NOW + 300 }, NOW);
    assert.deepEqual(set.counts(), { token: 1, jti: 1, sub: 0, all: 1 });
    assert.equal(set.covers('x', { jti: 'j', iat: 10 }, NOW + 200), false, 'not enforced past its end even before expire()');
    assert.equal(set.expire(NOW + 200), 2);
    assert.deepEqual([...set.entries()], [{ kind: 'all', before: 1, until: NOW + 300 }]);
    assert.equal(set.expire(NOW + 300), 1);
    assert.equal(set.size, 0);
    assert.equal(set.bytes, 0);
  });

  test('bounded: past max entries or max bytes a new revocation is refused, none dropped', () => {
    const set = new RevocationSet({ max: 2, maxBytes: 1024 * 1024 });
    set.add({ kind: 'jti', id: 'a', until: NOW + 1 }, NOW);
    set.add({ kind: 'jti', id: 'b', until: NOW + 1 }, NOW);
    assert.throws(() => set.add({ kind: 'jti', id: 'c', until: NOW + 1 }, NOW), RevocationsFullError);
    assert.ok(set.add({ kind: 'jti', id: 'a', until: NOW + 5 }, NOW), 'widening an entry needs no room');
    assert.equal(set.size, 2);
    const small = new RevocationSet({ max: 100, maxBytes: 200 });
    small.add({ kind: 'jti', id: 'x'.repeat(20), until: NOW + 1 }, NOW);
    assert.throws(() => small.add({ kind: 'jti', id: 'y'.repeat(20), until: NOW + 1 }, NOW), RevocationsFullError);
  });

  test('what the journal, Redis and the bus may hand over is checked', () => {
    const good: Revocation[] = [
      { kind: 'token', id: 'f', until: 1 },
      { kind: 'jti', id: 'j', until: 1 },
      { kind: 'sub', id: 's', before: 1, until: 1 },
      { kind: 'all', before: 1, until: 1 },
    ];
    for (const r of good) assert.equal(isRevocation(r), true, JSON.stringify(r));
    for (const r of [null, {}, { kind: 'jti', until: 1 }, { kind: 'sub', id: 's', until: 1 }, { kind: 'all', until: 1 }, { kind: 'x', id: 'a', until: 1 }, { kind: 'jti', id: 'j', until: 'soon' }, { kind: 'jti', id: '', until: 1 }]) {
      assert.equal(isRevocation(r), false, JSON.stringify(r));
    }
  });
});
