import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startDemoOrigin } from '../../../src/demo/origin.js';
import { FEED_BYTES } from '../../../src/demo/content.js';

test('requests beyond the slot count wait for a free slot', async (t) => {
  const origin = await startDemoOrigin({ bootMs: 50, slots: 8 });
  t.after(() => origin.close());

  const started = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: 16 }, async () => {
      const res = await request(`${origin.url}/api/v1/feed`);
      await res.body.arrayBuffer();
      return res.statusCode;
    }),
  );
  const elapsed = performance.now() - started;

  assert.deepEqual(statuses, Array(16).fill(200));
  // Two waves of 50 ms; only a lower bound, scheduling makes the upper one meaningless.
  assert.ok(elapsed >= 90, `16 requests through 8 slots took ${elapsed.toFixed(0)} ms`);
  assert.deepEqual(origin.stats(), { requests: 16, byPath: { '/api/v1/feed': 16 } });
});

test('the feed is 1 KiB of cacheable JSON with a validator', async (t) => {
  const origin = await startDemoOrigin({ bootMs: 0 });
  t.after(() => origin.close());

  const res = await request(`${origin.url}/api/v1/feed`);
  const body = Buffer.from(await res.body.arrayBuffer());
  assert.equal(res.statusCode, 200);
  assert.equal(body.length, FEED_BYTES);
  assert.equal(res.headers['cache-control'], 'public, s-maxage=60');
  assert.equal(res.headers['content-type'], 'application/json');
  const etag = res.headers.etag;
  assert.equal(typeof etag, 'string');

  const again = await request(`${origin.url}/api/v1/feed`, { headers: { 'if-none-match': String(etag) } });
  await again.body.dump();
  assert.equal(again.statusCode, 304);
});

test('/api/me echoes the identity headers, privately', async (t) => {
  const origin = await startDemoOrigin({ bootMs: 0 });
  t.after(() => origin.close());

  const res = await request(`${origin.url}/api/me`, { headers: { 'x-user-id': 'u1', 'x-tenant-id': 't1' } });
  assert.deepEqual(await res.body.json(), { userId: 'u1', tenantId: 't1' });
  assert.equal(res.headers['cache-control'], 'private');
});

test('a full queue is answered 503 and /__stats is never delayed', async (t) => {
  const origin = await startDemoOrigin({ bootMs: 200, slots: 1, maxQueue: 1 });
  t.after(() => origin.close());

  const pending = [request(`${origin.url}/`), request(`${origin.url}/`)];
  await new Promise((resolve) => setTimeout(resolve, 20));
  const refused = await request(`${origin.url}/`);
  await refused.body.dump();
  assert.equal(refused.statusCode, 503);

  const stats = await request(`${origin.url}/__stats`);
  assert.deepEqual(await stats.body.json(), { requests: 3, byPath: { '/': 3 } });
  for (const res of await Promise.all(pending)) {
    assert.equal(res.statusCode, 200);
    await res.body.dump();
  }
});
