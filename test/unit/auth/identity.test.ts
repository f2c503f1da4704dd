import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_IDENTITY_VALUE_LENGTH, identityHeaders, partitionValues } from '../../../src/auth/identity.js';

describe('identityHeaders', () => {
  test('scalars as text, arrays joined with ",", objects and missing claims left out', () => {
    const claims = { sub: 'u1', n: 42, admin: false, roles: ['a', 'b'], org: { id: 1 }, mixed: ['a', { b: 1 }] };
    const mapping = { sub: 'x-user-id', n: 'x-n', admin: 'x-admin', roles: 'x-roles', org: 'x-org', mixed: 'x-mixed', gone: 'x-gone' };
    assert.deepEqual(identityHeaders(claims, mapping), [
      ['x-user-id', 'u1'],
      ['x-n', '42'],
      ['x-admin', 'false'],
      ['x-roles', 'a,b'],
    ]);
  });
  test('values with control characters are dropped, never forwarded', () => {
    for (const bad of ['a\r\nx-admin: true', 'a\n', 'a\0', 'a\tb', 'a\x7f', 'a\x1b[31m', ['ok', 'b\r\n'], '漢']) {
      assert.deepEqual(identityHeaders({ name: bad }, { name: 'x-user-name' }), [], JSON.stringify(bad));
    }
    assert.deepEqual(identityHeaders({ sub: 'José' }, { sub: 'x' }), [['x', 'José']]);
  });
  test('values longer than the cap are dropped', () => {
    assert.equal(identityHeaders({ sub: 'x'.repeat(MAX_IDENTITY_VALUE_LENGTH) }, { sub: 'x' }).length, 1);
    assert.equal(identityHeaders({ sub: 'x'.repeat(MAX_IDENTITY_VALUE_LENGTH + 1) }, { sub: 'x' }).length, 0);
  });
});

describe('partitionValues', () => {
  test('missing, empty, separators and types never collide', () => {
    const encodings = [
      partitionValues({}, ['t']),
      partitionValues({ t: '' }, ['t']),
      partitionValues({ t: '-' }, ['t']),
      partitionValues({ t: '1' }, ['t']),
      partitionValues({ t: 1 }, ['t']),
      partitionValues({ t: true }, ['t']),
      partitionValues({ t: 'true' }, ['t']),
      partitionValues({ t: ['a'] }, ['t']),
      partitionValues({ a: 'x|s1:y' }, ['a', 'b']),
      partitionValues({ a: 'x', b: 'y' }, ['a', 'b']),
      partitionValues({ a: 'x|', b: 'y' }, ['a', 'b']),
      partitionValues({ a: 'x', b: '|y' }, ['a', 'b']),
    ];
    assert.equal(new Set(encodings).size, encodings.length, encodings.join('\n'));
    assert.equal(partitionValues({ a: 'x', b: 'y' }, ['a', 'b']), partitionValues({ b: 'y', a: 'x', c: 1 }, ['a', 'b']));
  });
});
