import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileRule } from '../../../src/auth/rules.js';
import { requireSchema } from '../../../src/config/rules-schema.js';

const rule = (input: unknown) => compileRule(requireSchema.parse(input));

describe('claim rules', () => {
  test('scope: space-separated "scope" or array/string "scp", whole words only', () => {
    const read = rule({ scope: 'read:feed' });
    assert.equal(read({ scope: 'openid read:feed write' }), true);
    assert.equal(read({ scope: 'read:feed' }), true);
    assert.equal(read({ scp: ['read:feed'] }), true);
    assert.equal(read({ scp: 'x read:feed' }), true);
    assert.equal(read({ scope: 'read:feeds xread:feed read:fee' }), false);
    assert.equal(read({ scope: ['read:feed'] }), false);
    assert.equal(read({}), false);
    assert.equal(rule({ scopes: ['a', 'b'] })({ scope: 'b a' }), true);
    assert.equal(rule({ scopes: ['a', 'b'] })({ scope: 'a' }), false);
  });
  test('role: the roles claim (or another, dotted paths allowed) contains it', () => {
    assert.equal(rule({ role: 'editor' })({ roles: ['viewer', 'editor'] }), true);
    assert.equal(rule({ role: 'editor' })({ roles: 'editor' }), false);
    assert.equal(rule({ role: 'editor' })({ groups: ['editor'] }), false);
    assert.equal(rule({ role: 'editor', rolesClaim: 'groups' })({ groups: ['editor'] }), true);
    assert.equal(rule({ role: 'admin', rolesClaim: 'realm_access.roles' })({ realm_access: { roles: ['admin'] } }), true);
    assert.equal(rule({ roles: ['a', 'b'] })({ roles: ['b', 'a'] }), true);
    assert.equal(rule({ roles: ['a', 'b'] })({ roles: ['a'] }), false);
  });
  test('claim equals / oneOf / pattern', () => {
    assert.equal(rule({ claim: 'tenant', equals: 'acme' })({ tenant: 'acme' }), true);
    assert.equal(rule({ claim: 'tenant', equals: 'acme' })({ tenant: 'acme2' }), false);
    assert.equal(rule({ claim: 'tenant', equals: 'acme' })({}), false);
    assert.equal(rule({ claim: 'level', equals: 3 })({ level: 3 }), true);
    assert.equal(rule({ claim: 'level', equals: 3 })({ level: '3' }), false);
    assert.equal(rule({ claim: 'tenant', oneOf: ['acme', 'globex'] })({ tenant: 'globex' }), true);
    assert.equal(rule({ claim: 'tenant', oneOf: ['acme', 'globex'] })({ tenant: 'initech' }), false);
    assert.equal(rule({ claim: 'email', pattern: '@example\\.com$' })({ email: 'a@example.com' }), true);
    assert.equal(rule({ claim: 'email', pattern: '@example\\.com$' })({ email: 'a@example.com.evil' }), false);
    assert.equal(rule({ claim: 'email', pattern: '.*' })({ email: 42 }), false);
    assert.equal(rule({ claim: 'toString', equals: 'x' })({}), false, 'no prototype members');
  });
  test('all / any, nested', () => {
    const check = rule({
      all: [
        { scope: 'read:feed' },
        { claim: 'tenant', equals: 'acme' },
        { any: [{ role: 'admin' }, { scope: 'write' }] },
      ],
    });
    assert.equal(check({ scope: 'read:feed', tenant: 'acme', roles: ['admin'] }), true);
    assert.equal(check({ scope: 'read:feed write', tenant: 'acme' }), true);
    assert.equal(check({ scope: 'read:feed', tenant: 'acme', roles: ['viewer'] }), false);
    assert.equal(check({ scope: 'write', tenant: 'acme', roles: ['admin'] }), false);
  });
  test('the schema refuses unknown keys, bad regexes, zero or several claim tests, empty lists', () => {
    for (const input of [
      { scope: 'a', extra: 1 },
      { claim: 'x', pattern: '(' },
      { claim: 'x' },
      { claim: 'x', equals: 'a', pattern: 'a' },
      { all: [] },
      { any: [{ nope: 1 }] },
      { claim: 'x', equals: { a: 1 } },
    ]) {
      assert.equal(requireSchema.safeParse(input).success, false, JSON.stringify(input));
    }
  });
});
