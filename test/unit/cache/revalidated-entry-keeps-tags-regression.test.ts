// Regression: purge labels (Surrogate-Key, Cache-Tag) are not kept in a stored entry's header list,
// so the fields a 304 updated (updatedFields → headerMapOf) had none, and the entry rebuilt from them
// had no tags: after its first revalidation an entry could no longer be purged by tag. A 304 rarely
// repeats these fields (RFC 9111 §3.2 updates only the fields it carries).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { governingDirectives } from '../../../src/cache/directives.js';
import { newEntry } from '../../../src/cache/entry.js';
import { updatedFields } from '../../../src/cache/revalidate.js';
import type { StoredEntry } from '../../../src/cache/store.js';
import type { HeaderMap } from '../../../src/http/exchange.js';
import { bytes, NOW, timing } from './fixtures.js';

const LIFETIME = { initialAge: 0, freshMs: 60_000, staleWhileRevalidateMs: 0, staleIfErrorMs: 0 };

function entryOf(headers: HeaderMap, at = NOW): StoredEntry {
  return newEntry({ status: 200, headers, body: bytes('x'), timing: timing(at), governing: governingDirectives(headers), lifetime: LIFETIME, vary: null, variant: '', refreshAhead: 0 });
}

const revalidated = (stored: StoredEntry, notModified: HeaderMap) => entryOf(updatedFields(stored, notModified), NOW + 120_000);

test('an entry revalidated by a 304 without purge labels keeps its tags', () => {
  const stored = entryOf({ 'cache-control': 'max-age=60', etag: '"v1"', 'surrogate-key': 'product-1 a,b', 'cache-tag': 'catalogue, summer sale' });
  assert.deepEqual([...stored.tags].sort(), ['a,b', 'catalogue', 'product-1', 'summer sale']);
  const again = revalidated(stored, { etag: '"v1"', 'cache-control': 'max-age=60' });
  assert.deepEqual([...again.tags].sort(), [...stored.tags].sort());
  assert.equal(again.headers.includes('surrogate-key') || again.headers.includes('cache-tag'), false, 'still not delivered');
  assert.deepEqual([...revalidated(again, {}).tags].sort(), [...stored.tags].sort(), 'and after the next one');
});

test("a 304 that carries purge labels replaces the stored ones", () => {
  const stored = entryOf({ 'cache-control': 'max-age=60', 'surrogate-key': 'old-1 old-2', 'cache-tag': 'old 3' });
  assert.deepEqual(revalidated(stored, { 'surrogate-key': 'new' }).tags, ['new']);
  assert.deepEqual(revalidated(stored, { 'cache-tag': 'new tag' }).tags, ['new tag']);
});

test('an entry without tags gets none', () => {
  assert.deepEqual(revalidated(entryOf({ 'cache-control': 'max-age=60' }), {}).tags, []);
});
