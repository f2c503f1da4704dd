// collectUpTo: an origin body read for storage without holding more than the limit; replay: what was
// read, then the rest of the stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectUpTo, replay } from '../../../src/cache/body.js';
import { bytes } from './fixtures.js';

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield bytes(part);
}

async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  let out = '';
  for await (const chunk of body) out += Buffer.from(chunk).toString();
  return out;
}

test('within the limit (exactly at it included): the whole body', async () => {
  const collected = await collectUpTo(chunks('ab', 'cd', 'e'), 5);
  assert.ok(collected.complete);
  assert.equal(collected.body.toString(), 'abcde');
});
test('an empty body is complete', async () => {
  const collected = await collectUpTo(chunks(), 5);
  assert.ok(collected.complete);
  assert.equal(collected.body.byteLength, 0);
});
test('one chunk comes back with its bytes, not a copy of another view', async () => {
  const buffer = new Uint8Array([0, 1, 2, 3, 4, 5]).subarray(2, 5);
  const collected = await collectUpTo((async function* () { yield buffer; })(), 10);
  assert.ok(collected.complete);
  assert.deepEqual([...collected.body], [2, 3, 4]);
});
test('past the limit: stops reading, gives what it read and the rest of the stream', async () => {
  let pulled = 0;
  const source = (async function* () {
    for (const part of ['abc', 'def', 'ghi', 'jkl']) {
      pulled++;
      yield bytes(part);
    }
  })();
  const collected = await collectUpTo(source, 4);
  assert.equal(collected.complete, false);
  if (collected.complete) return;
  assert.equal(pulled, 2, 'no more read than needed to know');
  assert.deepEqual(collected.head.map((b) => b.toString()), ['abc', 'def']);
  assert.equal(await text(replay(collected.head, collected.rest)), 'abcdefghijkl');
});
