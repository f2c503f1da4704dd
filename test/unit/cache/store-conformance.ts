// The contract every Store (src/cache/store.ts) meets, as one suite any store runs against itself
// (the memory store now, a Redis store later): get/set/delete/purge by URL, prefix and tag, Vary
// selection through the VaryRequest the caller gives, and entries that round-trip as plain data.
// Every result is awaited, so a store may answer with values or with promises. Nothing here looks
// inside a store; each test starts from a fresh one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contentKey, urlKey } from '../../../src/cache/key.js';
import { NEVER, type Store, type StoredEntry } from '../../../src/cache/store.js';
import { variantOf, type VaryRequest } from '../../../src/cache/vary.js';

export interface ConformanceOptions {
  /** Called after each test with the store it used (close a connection, drop a namespace). */
  readonly release?: (store: Store) => unknown;
}

/** Plain request headers as a VaryRequest, recording the names asked for. */
function requestOf(headers: Record<string, string>): VaryRequest & { readonly asked: string[] } {
  const asked: string[] = [];
  return { asked, header: (name) => (asked.push(name), headers[name]) };
}

/** Every field of the contract, read explicitly (undefined as null), so a store may rebuild the object. */
function plain(entry: StoredEntry | undefined) {
  if (entry === undefined) return undefined;
  return {
    status: entry.status,
    headers: [...entry.headers],
    body: [...entry.body],
    requestTime: entry.requestTime,
    responseTime: entry.responseTime,
    initialAge: entry.initialAge,
    freshUntil: entry.freshUntil,
    refreshAt: entry.refreshAt,
    staleWhileRevalidateUntil: entry.staleWhileRevalidateUntil,
    staleIfErrorUntil: entry.staleIfErrorUntil,
    policy: { field: entry.policy.field, value: entry.policy.value },
    vary: entry.vary === null ? null : [...entry.vary],
    variant: entry.variant,
    etag: entry.etag ?? null,
    lastModified: entry.lastModified ?? null,
    tags: [...entry.tags],
  };
}

export function storeConformance(name: string, makeStore: () => Store | Promise<Store>, options: ConformanceOptions = {}): void {
  // Times ahead of the real clock: a store may let entries go once they can no longer be served.
  const base = Date.now() + 60_000;
  let serial = 0;

  function entry(overrides: Partial<StoredEntry> = {}): StoredEntry {
    const n = ++serial;
    const body = overrides.body ?? new TextEncoder().encode(`body ${n}`);
    return {
      status: 200,
      headers: ['content-type', 'text/plain', 'x-serial', String(n), 'content-length', String(body.byteLength)],
      body,
      requestTime: base + n,
      responseTime: base + n + 5,
      initialAge: 2,
      freshUntil: base + 3_600_000,
      refreshAt: base + 3_000_000,
      staleWhileRevalidateUntil: base + 3_700_000,
      staleIfErrorUntil: base + 7_200_000,
      policy: { field: 'cache-control', value: 'max-age=3600' },
      vary: null,
      variant: '',
      etag: `"e${n}"`,
      lastModified: new Date(base - 86_400_000).toUTCString(),
      tags: [],
      ...overrides,
    };
  }

  /** An entry varying on these names, for the request with these values. */
  function variantEntry(vary: string[], headers: Record<string, string>, overrides: Partial<StoredEntry> = {}): StoredEntry {
    return entry({ vary, variant: variantOf(vary, requestOf(headers)), ...overrides });
  }

  async function withStore(run: (store: Store) => Promise<void>): Promise<void> {
    const store = await makeStore();
    try {
      await run(store);
    } finally {
      await options.release?.(store);
    }
  }

  const key = (path: string, query = '', access: 'user' | 'anonymous' = 'anonymous', partition = '') => contentKey(path, query, access, partition);
  const NO_VARY = requestOf({});

  describe(`${name}: the Store contract`, () => {
    test('a key never set is not found', () =>
      withStore(async (store) => {
        assert.equal(await store.get(key('/nothing'), NO_VARY), undefined);
      }));

    test('an entry round-trips as plain data: status, headers, body bytes, times, policy, validators, tags', () =>
      withStore(async (store) => {
        const stored = entry({
          status: 404,
          headers: ['content-type', 'application/octet-stream', 'link', '<a>; rel=preload', 'link', '<b>; rel=preload', 'x-unicode', 'caf\u00e9'],
          body: Uint8Array.from({ length: 256 }, (_, i) => i),
          refreshAt: NEVER,
          policy: { field: 'bouncer-cache-control', value: 'max-age=60, stale-if-error=30' },
          etag: 'W/"x"',
          tags: ['product-1', 'summer sale'],
        });
        const expected = plain(stored);
        await store.set(key('/round-trip'), stored);
        assert.deepEqual(plain(await store.get(key('/round-trip'), NO_VARY)), expected);
        assert.deepEqual(plain(stored), expected, 'the entry handed over is not changed');
      }));

    test('optional fields may be absent (no validators, no tags, an empty body)', () =>
      withStore(async (store) => {
        const stored = entry({ etag: undefined, lastModified: undefined, tags: [], body: new Uint8Array(0), headers: [] });
        await store.set(key('/bare'), stored);
        assert.deepEqual(plain(await store.get(key('/bare'), NO_VARY)), plain(stored));
      }));

    test('set replaces what a key held; keys are independent', () =>
      withStore(async (store) => {
        const first = entry();
        const second = entry();
        const other = entry();
        await store.set(key('/a'), first);
        await store.set(key('/b'), other);
        await store.set(key('/a'), second);
        assert.deepEqual(plain(await store.get(key('/a'), NO_VARY)), plain(second));
        assert.deepEqual(plain(await store.get(key('/b'), NO_VARY)), plain(other));
      }));

    test('keys differing only in auth state or partition are different entries', () =>
      withStore(async (store) => {
        const anonymous = entry();
        const user = entry();
        const tenant = entry();
        await store.set(key('/p', '', 'anonymous'), anonymous);
        await store.set(key('/p', '', 'user'), user);
        await store.set(key('/p', '', 'user', 's4:acme'), tenant);
        assert.deepEqual(plain(await store.get(key('/p', '', 'anonymous'), NO_VARY)), plain(anonymous));
        assert.deepEqual(plain(await store.get(key('/p', '', 'user'), NO_VARY)), plain(user));
        assert.deepEqual(plain(await store.get(key('/p', '', 'user', 's4:acme'), NO_VARY)), plain(tenant));
      }));

    test('delete drops a key and answers how many entries went', () =>
      withStore(async (store) => {
        await store.set(key('/a'), entry());
        await store.set(key('/b'), entry());
        assert.equal(await store.delete(key('/a')), 1);
        assert.equal(await store.get(key('/a'), NO_VARY), undefined);
        assert.ok(await store.get(key('/b'), NO_VARY), 'another key stays');
        assert.equal(await store.delete(key('/a')), 0);
        assert.equal(await store.delete(key('/never')), 0);
      }));

    test('Vary: each variant is selected by the values the given request has', () =>
      withStore(async (store) => {
        const vary = ['accept-encoding', 'accept-language'];
        const en = variantEntry(vary, { 'accept-language': 'en', 'accept-encoding': 'gzip' });
        const fr = variantEntry(vary, { 'accept-language': 'fr', 'accept-encoding': 'gzip' });
        const bare = variantEntry(vary, {});
        for (const stored of [en, fr, bare]) await store.set(key('/v'), stored);
        assert.deepEqual(plain(await store.get(key('/v'), requestOf({ 'accept-language': 'en', 'accept-encoding': 'gzip, deflate' }))), plain(en));
        assert.deepEqual(plain(await store.get(key('/v'), requestOf({ 'accept-language': 'fr', 'accept-encoding': 'gzip' }))), plain(fr));
        assert.deepEqual(plain(await store.get(key('/v'), requestOf({}))), plain(bare));
        assert.equal(await store.get(key('/v'), requestOf({ 'accept-language': 'de', 'accept-encoding': 'gzip' })), undefined);
        assert.equal(await store.get(key('/v'), requestOf({ 'accept-language': 'en' })), undefined, 'another coding is another variant');
      }));

    test('Vary: the store reads the request it is given, for the names the response varies on', () =>
      withStore(async (store) => {
        await store.set(key('/v'), variantEntry(['x-tenant'], { 'x-tenant': 'acme' }));
        const request = requestOf({ 'x-tenant': 'acme' });
        assert.ok(await store.get(key('/v'), request));
        assert.ok(request.asked.includes('x-tenant'));
        assert.equal(await store.get(key('/v'), requestOf({ 'x-tenant': 'globex' })), undefined);
      }));

    test('Vary: a new variant of one request replaces the old one; others stay', () =>
      withStore(async (store) => {
        const vary = ['accept-language'];
        await store.set(key('/v'), variantEntry(vary, { 'accept-language': 'en' }));
        const fr = variantEntry(vary, { 'accept-language': 'fr' });
        await store.set(key('/v'), fr);
        const newer = variantEntry(vary, { 'accept-language': 'en' });
        await store.set(key('/v'), newer);
        assert.deepEqual(plain(await store.get(key('/v'), requestOf({ 'accept-language': 'en' }))), plain(newer));
        assert.deepEqual(plain(await store.get(key('/v'), requestOf({ 'accept-language': 'fr' }))), plain(fr));
      }));

    test('Vary: delete drops every variant and counts them', () =>
      withStore(async (store) => {
        for (const lang of ['en', 'fr', 'de']) await store.set(key('/v'), variantEntry(['accept-language'], { 'accept-language': lang }));
        assert.equal(await store.delete(key('/v')), 3);
        for (const lang of ['en', 'fr', 'de']) assert.equal(await store.get(key('/v'), requestOf({ 'accept-language': lang })), undefined);
      }));

    test('Vary: a response that varies on other fields makes the older variants unreachable', () =>
      withStore(async (store) => {
        await store.set(key('/v'), variantEntry(['accept-language'], { 'accept-language': 'en' }));
        const html = variantEntry(['accept'], { accept: 'text/html' });
        await store.set(key('/v'), html);
        assert.equal(await store.get(key('/v'), requestOf({ 'accept-language': 'en' })), undefined);
        assert.deepEqual(plain(await store.get(key('/v'), requestOf({ accept: 'text/html', 'accept-language': 'en' }))), plain(html));
        assert.equal(await store.delete(key('/v')), 1);
      }));

    test('Vary: a response without Vary replaces every variant; and the other way round', () =>
      withStore(async (store) => {
        await store.set(key('/v'), variantEntry(['accept-language'], { 'accept-language': 'en' }));
        await store.set(key('/v'), variantEntry(['accept-language'], { 'accept-language': 'fr' }));
        const single = entry();
        await store.set(key('/v'), single);
        assert.deepEqual(plain(await store.get(key('/v'), requestOf({ 'accept-language': 'en' }))), plain(single));
        assert.deepEqual(plain(await store.get(key('/v'), requestOf({}))), plain(single));
        const varying = variantEntry(['accept-language'], { 'accept-language': 'en' });
        await store.set(key('/v'), varying);
        assert.deepEqual(plain(await store.get(key('/v'), requestOf({ 'accept-language': 'en' }))), plain(varying));
        assert.equal(await store.get(key('/v'), requestOf({})), undefined);
        assert.equal(await store.delete(key('/v')), 1);
      }));

    test('purge by URL: every auth state, partition and variant of that URL, nothing else', () =>
      withStore(async (store) => {
        await store.set(key('/p', 'a=1&b=2', 'anonymous'), entry());
        await store.set(key('/p', 'a=1&b=2', 'user', 's4:acme'), entry());
        await store.set(contentKey('/p', 'a=1&b=2', 'user', 's4:acme', 'x-forwarded-host=a\n'), entry());
        for (const lang of ['en', 'fr']) await store.set(key('/p', 'a=1&b=2', 'user'), variantEntry(['accept-language'], { 'accept-language': lang }));
        const others = [key('/p'), key('/p', 'a=1'), key('/p/x', 'a=1&b=2'), key('/pp', 'a=1&b=2')];
        for (const other of others) await store.set(other, entry());
        assert.equal(await store.purge({ url: urlKey('/p', 'b=2&a=1') }), 5);
        assert.equal(await store.get(key('/p', 'a=1&b=2', 'anonymous'), NO_VARY), undefined);
        assert.equal(await store.get(key('/p', 'a=1&b=2', 'user', 's4:acme'), NO_VARY), undefined);
        assert.equal(await store.get(key('/p', 'a=1&b=2', 'user'), requestOf({ 'accept-language': 'en' })), undefined);
        for (const other of others) assert.ok(await store.get(other, NO_VARY), other);
        assert.equal(await store.purge({ url: urlKey('/p', 'a=1&b=2') }), 0);
      }));

    test('purge by prefix: every URL whose path starts with it', () =>
      withStore(async (store) => {
        const gone = [key('/a/x'), key('/a/y', 'q=1', 'user', 's1:t'), key('/a/')];
        const kept = [key('/b/a/x'), key('/A/x'), key('/')];
        for (const k of [...gone, ...kept]) await store.set(k, entry());
        assert.equal(await store.purge({ prefix: '/a/' }), 3);
        for (const k of gone) assert.equal(await store.get(k, NO_VARY), undefined, k);
        for (const k of kept) assert.ok(await store.get(k, NO_VARY), k);
      }));

    test('purge by tag: every entry labelled with it, variants included, nothing else', () =>
      withStore(async (store) => {
        await store.set(key('/a'), entry({ tags: ['product-1', 'all'] }));
        await store.set(key('/b'), entry({ tags: ['all'] }));
        await store.set(key('/v'), variantEntry(['accept-language'], { 'accept-language': 'en' }, { tags: ['product-1'] }));
        await store.set(key('/v'), variantEntry(['accept-language'], { 'accept-language': 'fr' }, { tags: ['other'] }));
        assert.equal(await store.purge({ tag: 'product-1' }), 2);
        assert.equal(await store.get(key('/a'), NO_VARY), undefined);
        assert.equal(await store.get(key('/v'), requestOf({ 'accept-language': 'en' })), undefined);
        assert.ok(await store.get(key('/v'), requestOf({ 'accept-language': 'fr' })));
        assert.ok(await store.get(key('/b'), NO_VARY));
        assert.equal(await store.purge({ tag: 'product-1' }), 0);
        assert.equal(await store.purge({ tag: 'no-such-tag' }), 0);
        assert.equal(await store.purge({ tag: 'all' }), 1);
      }));

    test("a replaced entry's old tags are forgotten; its new ones count", () =>
      withStore(async (store) => {
        await store.set(key('/a'), entry({ tags: ['old', 'both'] }));
        const replacement = entry({ tags: ['new', 'both'] });
        await store.set(key('/a'), replacement);
        assert.equal(await store.purge({ tag: 'old' }), 0);
        assert.deepEqual(plain(await store.get(key('/a'), NO_VARY)), plain(replacement));
        assert.equal(await store.purge({ tag: 'both' }), 1);
        assert.equal(await store.get(key('/a'), NO_VARY), undefined);
      }));

    test('a deleted or purged key can be stored again', () =>
      withStore(async (store) => {
        await store.set(key('/a'), entry({ tags: ['t'] }));
        await store.purge({ tag: 't' });
        const again = entry();
        await store.set(key('/a'), again);
        assert.deepEqual(plain(await store.get(key('/a'), NO_VARY)), plain(again));
        assert.equal(await store.purge({ url: urlKey('/a', '') }), 1);
      }));
  });
}
