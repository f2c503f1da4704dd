// Regression: a variant the LRU refused (over the object limit) was still added to its marker's set,
// and lru-cache drops whatever the key held with reason "set", which the marker bookkeeping skips.
// The set then named a variant that did not exist; when it became the oldest, the MAX_VARIANTS bound
// tried to delete it (a no-op) and never again removed a live one: the variants of that key grew
// without bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentKey } from '../../../src/cache/key.js';
import { MAX_VARIANTS, MemoryStore } from '../../../src/cache/memory-store.js';
import { variantOf } from '../../../src/cache/vary.js';
import { bytes, storedEntry, varyRequest } from './fixtures.js';

const KEY = contentKey('/v', '', 'anonymous', '');
const VARY = ['accept-language'];
const lang = (value: string) => varyRequest({ 'accept-language': value });
const variant = (value: string, body = bytes('x')) => storedEntry({ vary: VARY, variant: variantOf(VARY, lang(value)), body, headers: [] });
const name = (i: number) => String(i).padStart(6, '0');

function live(store: MemoryStore, count: number): number {
  let found = 0;
  for (let i = 1; i <= count; i++) if (store.get(KEY, lang(name(i))) !== undefined) found++;
  return found;
}

test('a refused variant does not count against MAX_VARIANTS, and the bound still holds after it', () => {
  const store = new MemoryStore({ maxBytes: 256 << 20, maxObjectBytes: 1000 });
  store.set(KEY, variant(name(1)));
  store.set(KEY, variant('huge', new Uint8Array(1000 + 64 * 1024 + 1)));
  assert.equal(store.get(KEY, lang('huge')), undefined, 'refused');
  for (let i = 2; i <= MAX_VARIANTS + 5; i++) store.set(KEY, variant(name(i)));
  assert.equal(live(store, MAX_VARIANTS + 5), MAX_VARIANTS);
  assert.equal(store.get(KEY, lang(name(5))), undefined, 'the oldest live variants made room');
  assert.ok(store.get(KEY, lang(name(6))));
});

test('a variant replaced by a refused one is gone from its marker too', () => {
  const store = new MemoryStore({ maxBytes: 256 << 20, maxObjectBytes: 1000 });
  store.set(KEY, variant(name(1)));
  store.set(KEY, variant(name(1), new Uint8Array(1000 + 64 * 1024 + 1)));
  assert.equal(store.get(KEY, lang(name(1))), undefined);
  for (let i = 2; i <= MAX_VARIANTS + 2; i++) store.set(KEY, variant(name(i)));
  assert.equal(live(store, MAX_VARIANTS + 2), MAX_VARIANTS);
  assert.equal(store.get(KEY, lang(name(2))), undefined);
});
