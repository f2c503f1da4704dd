// The memory store: the Store contract (store-conformance.ts), answered synchronously (the hot path
// never waits on a promise); an LRU bounded in bytes with its indexes counted; Vary markers with at
// most MAX_VARIANTS variants each (the oldest go), whose sets follow variants that are evicted or
// deleted; entries over the object limit refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contentKey } from '../../../src/cache/key.js';
import { MAX_VARIANTS, MemoryStore } from '../../../src/cache/memory-store.js';
import { variantOf } from '../../../src/cache/vary.js';
import { isPromise } from '../../../src/http/exchange.js';
import { storeConformance } from './store-conformance.js';
import { bytes, storedEntry, varyRequest } from './fixtures.js';

storeConformance('MemoryStore', () => new MemoryStore({ maxBytes: 4 * 1024 * 1024, maxObjectBytes: 1024 * 1024 }));

const key = (path: string) => contentKey(path, '', 'anonymous', '');
const VARY = ['accept-language'];
const lang = (value: string) => varyRequest({ 'accept-language': value });
const variant = (value: string, overrides = {}) => storedEntry({ vary: VARY, variant: variantOf(VARY, lang(value)), ...overrides });
const small = (value: string) => variant(value.padStart(6, '0'), { body: bytes('x'), headers: ['content-length', '1'] });

describe('MemoryStore', () => {
  test('get returns the stored entry itself, synchronously: no promise on the hot path', () => {
    const store = new MemoryStore({ maxBytes: 1 << 20, maxObjectBytes: 1 << 16 });
    const entry = storedEntry();
    assert.equal(store.set(key('/a'), entry), undefined);
    const found = store.get(key('/a'), varyRequest());
    assert.equal(isPromise(found), false);
    assert.equal(found, entry);
    const en = variant('en');
    store.set(key('/v'), en);
    assert.equal(store.get(key('/v'), lang('en')), en);
    assert.equal(store.get(key('/missing'), varyRequest()), undefined);
  });
  test('delete and purge answer synchronously too', () => {
    const store = new MemoryStore({ maxBytes: 1 << 20, maxObjectBytes: 1 << 16 });
    store.set(key('/a'), storedEntry({ tags: ['t'] }));
    assert.equal(store.purge({ tag: 't' }), 1);
    assert.equal(store.delete(key('/a')), 0);
  });
  test('bounded in bytes: the least recently used entries go first', () => {
    const probe = new MemoryStore({ maxBytes: 1 << 20, maxObjectBytes: 1 << 16 });
    probe.set(key('/000'), storedEntry({ body: new Uint8Array(1000) }));
    const one = probe.bytes;
    const store = new MemoryStore({ maxBytes: one * 10, maxObjectBytes: 1 << 16 });
    for (let i = 0; i < 10; i++) store.set(key(`/${String(i).padStart(3, '0')}`), storedEntry({ body: new Uint8Array(1000) }));
    assert.equal(store.size, 10);
    store.get(key('/000'), varyRequest());
    store.set(key('/010'), storedEntry({ body: new Uint8Array(1000) }));
    assert.ok(store.bytes <= one * 10);
    assert.ok(store.get(key('/000'), varyRequest()), 'recently used: kept');
    assert.equal(store.get(key('/001'), varyRequest()), undefined, 'least recently used: gone');
    for (let i = 0; i < 100; i++) store.set(key(`/x${i}`), storedEntry({ body: new Uint8Array(1000) }));
    assert.ok(store.bytes <= one * 10);
    assert.ok(store.size <= 10);
  });
  test("an entry's cost counts the body, headers, key, variant and tags (its index entries)", () => {
    const cost = (path: string, overrides = {}) => {
      const store = new MemoryStore({ maxBytes: 1 << 24, maxObjectBytes: 1 << 20 });
      store.set(key(path), storedEntry(overrides));
      return store.bytes;
    };
    const base = cost('/a');
    assert.ok(cost('/a', { body: new Uint8Array(10_000) }) - base >= 10_000 - 11, 'body');
    assert.ok(cost('/a', { headers: ['x-long', 'v'.repeat(1000)] }) - base >= 1000, 'headers');
    assert.ok(cost('/a' + 'p'.repeat(1000)) - base >= 2 * 1000, 'the key, held by the LRU and the URL index');
    const tags = Array.from({ length: 20 }, (_, i) => `tag-${i}-${'t'.repeat(40)}`);
    assert.ok(cost('/a', { tags }) - base >= 2 * tags.join('').length, 'tags, held by the tag index');
  });
  test('tags fill the budget like bodies do: fewer tagged entries fit', () => {
    const fill = (tags: string[]) => {
      const store = new MemoryStore({ maxBytes: 100_000, maxObjectBytes: 1 << 16 });
      for (let i = 0; i < 1000; i++) store.set(key(`/${i}`), storedEntry({ tags: tags.map((t) => `${t}-${i}`) }));
      assert.ok(store.bytes <= 100_000);
      return store.size;
    };
    assert.ok(fill(Array.from({ length: 10 }, (_, i) => `label${i}`.repeat(8))) < fill([]) / 2);
  });
  test('a varying response is a marker plus one entry per variant', () => {
    const store = new MemoryStore({ maxBytes: 1 << 20, maxObjectBytes: 1 << 16 });
    store.set(key('/v'), variant('en'));
    assert.equal(store.size, 2);
    store.set(key('/v'), variant('fr'));
    assert.equal(store.size, 3);
    store.delete(key('/v'));
    assert.equal(store.size, 0);
    assert.equal(store.bytes, 0);
  });
  test(`at most MAX_VARIANTS (${MAX_VARIANTS}) variants per key: the oldest go`, () => {
    const store = new MemoryStore({ maxBytes: 64 << 20, maxObjectBytes: 1 << 16 });
    for (let i = 0; i < MAX_VARIANTS + 3; i++) store.set(key('/v'), small(String(i)));
    for (let i = 0; i < 3; i++) assert.equal(store.get(key('/v'), lang(String(i).padStart(6, '0'))), undefined, `variant ${i}`);
    for (let i = 3; i < MAX_VARIANTS + 3; i++) assert.ok(store.get(key('/v'), lang(String(i).padStart(6, '0'))), `variant ${i}`);
    assert.equal(store.size, MAX_VARIANTS + 1, 'the marker and MAX_VARIANTS variants');
  });
  test('storing a variant again makes it the newest', () => {
    const store = new MemoryStore({ maxBytes: 64 << 20, maxObjectBytes: 1 << 16 });
    for (let i = 0; i < MAX_VARIANTS; i++) store.set(key('/v'), small(String(i)));
    store.set(key('/v'), small('0'));
    store.set(key('/v'), small('new'));
    assert.ok(store.get(key('/v'), lang('000000')), 'refreshed: kept');
    assert.equal(store.get(key('/v'), lang('000001')), undefined, 'now the oldest: gone');
  });
  test("a variant deleted (purged by tag) leaves its marker's set: the bound counts only live variants", () => {
    const store = new MemoryStore({ maxBytes: 64 << 20, maxObjectBytes: 1 << 16 });
    store.set(key('/v'), variant('gone', { tags: ['t'] }));
    assert.equal(store.purge({ tag: 't' }), 1);
    for (let i = 1; i <= MAX_VARIANTS + 1; i++) store.set(key('/v'), small(String(i)));
    assert.equal(store.get(key('/v'), lang('000001')), undefined, 'the oldest live variant made room');
    for (let i = 2; i <= MAX_VARIANTS + 1; i++) assert.ok(store.get(key('/v'), lang(String(i).padStart(6, '0'))), `variant ${i}`);
    assert.equal(store.size, MAX_VARIANTS + 1);
  });
  test("a variant evicted for room leaves its marker's set: the bound counts only live variants", () => {
    const probe = new MemoryStore({ maxBytes: 64 << 20, maxObjectBytes: 1 << 16 });
    probe.set(key('/v'), small('0'));
    const first = probe.bytes; // the marker and one variant
    probe.set(key('/v'), small('1'));
    const each = probe.bytes - first;
    const maxBytes = first + (MAX_VARIANTS + 8) * each;
    const store = new MemoryStore({ maxBytes, maxObjectBytes: maxBytes });
    // A large variant first, never read again: the least recently used once the small ones arrive.
    const big = variant('big', { body: new Uint8Array(Math.floor(maxBytes / 2)) });
    store.set(key('/v'), big);
    assert.equal(store.get(key('/v'), lang('big')), big);
    for (let i = 1; i <= MAX_VARIANTS + 1; i++) {
      store.set(key('/v'), small(String(i)));
      store.get(key('/v'), lang(String(i).padStart(6, '0'))); // keeps the marker recently used
    }
    assert.equal(store.get(key('/v'), lang('big')), undefined, 'evicted for room');
    assert.equal(store.get(key('/v'), lang('000001')), undefined, 'the oldest live variant made room');
    for (let i = 2; i <= MAX_VARIANTS + 1; i++) assert.ok(store.get(key('/v'), lang(String(i).padStart(6, '0'))), `variant ${i}`);
    assert.ok(store.bytes <= maxBytes);
  });
  test('an entry over the object limit is not stored, and the one it replaces goes', () => {
    const store = new MemoryStore({ maxBytes: 1 << 22, maxObjectBytes: 1000 });
    store.set(key('/a'), storedEntry());
    store.set(key('/a'), storedEntry({ body: new Uint8Array(1000 + 64 * 1024 + 1), tags: ['t'] }));
    assert.equal(store.get(key('/a'), varyRequest()), undefined);
    assert.equal(store.purge({ tag: 't' }), 0);
    assert.equal(store.size, 0);
  });
  test('when a marker goes, its variants go with it', () => {
    const store = new MemoryStore({ maxBytes: 1 << 20, maxObjectBytes: 1 << 16 });
    store.set(key('/v'), variant('en'));
    store.set(key('/v'), variant('fr'));
    store.set(key('/v'), storedEntry());
    assert.equal(store.size, 1, 'replaced by a response without Vary: marker and variants gone');
  });
});
