// Regression: printable ASCII characters outside RFC 3986 pchar ("<>[]^`{|} and the double quote)
// were accepted raw when the path needed no work (the fast path) but refused with 400 as soon as
// something else in the path needed decoding or dot-segment removal: /a|b passed, //a|b and
// /a|b%41 did not. The verdict must not depend on an unrelated part of the path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseTarget } from '../../../src/http/target.js';

const RAW = ['"', '<', '>', '[', ']', '^', '`', '{', '|', '}'];

test('a raw printable character gets the same verdict with and without other work in the path', () => {
  for (const c of RAW) {
    assert.deepEqual(parseTarget(`/a${c}b`), { path: `/a${c}b`, query: '' }, c);
    assert.deepEqual(parseTarget(`//a${c}b`), { path: `/a${c}b`, query: '' }, c);
    assert.deepEqual(parseTarget(`/x/../a${c}b`), { path: `/a${c}b`, query: '' }, c);
    assert.deepEqual(parseTarget(`/a${c}b%41`), { path: `/a${c}bA`, query: '' }, c);
  }
});

test('a dot segment resolved away never changes the verdict', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary-ascii', maxLength: 16 }), (tail) => {
      assert.deepEqual(parseTarget(`/x/../${tail}`), parseTarget(`/${tail}`));
    }),
  );
});
