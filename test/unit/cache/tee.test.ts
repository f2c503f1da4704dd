// BodyTee: an origin body streamed to its first client while it is collected for the store. The
// origin is read at its own pace, not the client's; past the object limit collecting stops and the
// client reads the rest straight from the origin; a failure reaches the client after what arrived;
// a client leaving a body nobody will store frees the origin.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BodyTee } from '../../../src/cache/tee.js';
import { bytes } from './fixtures.js';

/** An origin body fed by hand: push chunks, end or fail it; counts reads and whether it was let go. */
function source() {
  const queue: (IteratorResult<Uint8Array> | Error)[] = [];
  let waiting: ((value: IteratorResult<Uint8Array> | Error) => void) | undefined;
  const state = { reads: 0, returned: false };
  const deliver = (item: IteratorResult<Uint8Array> | Error) => {
    if (waiting) {
      const wake = waiting;
      waiting = undefined;
      wake(item);
    } else queue.push(item);
  };
  const iterator: AsyncIterator<Uint8Array> = {
    async next() {
      state.reads++;
      const item = queue.shift() ?? (await new Promise<IteratorResult<Uint8Array> | Error>((resolve) => (waiting = resolve)));
      if (item instanceof Error) throw item;
      return item;
    },
    async return() {
      state.returned = true;
      return { done: true, value: undefined };
    },
  };
  return {
    body: { [Symbol.asyncIterator]: () => iterator } as AsyncIterable<Uint8Array>,
    state,
    push: (text: string) => deliver({ done: false, value: bytes(text) }),
    end: () => deliver({ done: true, value: undefined }),
    fail: (error: Error) => deliver(error),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  let out = '';
  for await (const chunk of body) out += Buffer.from(chunk).toString();
  return out;
}

describe('BodyTee', () => {
  test('within the limit: the client gets every chunk in order, the store the whole body', async () => {
    const origin = source();
    const tee = new BodyTee(origin.body, 100);
    const reading = readAll(tee.reader());
    origin.push('hello ');
    origin.push('world');
    origin.end();
    assert.equal(await reading, 'hello world');
    assert.equal((await tee.complete)?.toString(), 'hello world');
    assert.equal(tee.collected, true);
  });
  test('exactly the limit is within it', async () => {
    const origin = source();
    const tee = new BodyTee(origin.body, 10);
    origin.push('0123456789');
    origin.end();
    assert.equal((await tee.complete)?.toString(), '0123456789');
  });
  test('the origin is read at its own pace: all of it is collected before the client reads anything', async () => {
    const origin = source();
    const tee = new BodyTee(origin.body, 100);
    for (const chunk of ['a', 'b', 'c']) origin.push(chunk);
    origin.end();
    assert.equal((await tee.complete)?.toString(), 'abc');
    assert.equal(origin.state.reads, 4);
    assert.equal(await readAll(tee.reader()), 'abc', 'a slow client still gets it all');
  });
  test('an empty body is complete and empty', async () => {
    const origin = source();
    const tee = new BodyTee(origin.body, 100);
    origin.end();
    assert.equal((await tee.complete)?.byteLength, 0);
    assert.equal(await readAll(tee.reader()), '');
  });
  test('past the limit: nothing for the store, and the client reads the rest from the origin', async () => {
    const origin = source();
    const tee = new BodyTee(origin.body, 5);
    origin.push('abc');
    origin.push('def');
    assert.equal(await tee.complete, null);
    assert.equal(tee.collected, false);
    const readsWhenOver = origin.state.reads;
    await tick();
    assert.equal(origin.state.reads, readsWhenOver, 'collecting stopped: the origin is no longer read ahead');
    const reading = readAll(tee.reader());
    origin.push('ghi');
    origin.end();
    assert.equal(await reading, 'abcdefghi');
  });
  test('a client that leaves a body nobody will store lets the origin go', async () => {
    const origin = source();
    const tee = new BodyTee(origin.body, 2);
    origin.push('abc');
    assert.equal(await tee.complete, null);
    for await (const chunk of tee.reader()) {
      assert.equal(Buffer.from(chunk).toString(), 'abc');
      break;
    }
    assert.equal(origin.state.returned, true);
  });
  test('a client that leaves a body being stored does not stop the collecting', async () => {
    const origin = source();
    const tee = new BodyTee(origin.body, 100);
    origin.push('abc');
    for await (const _ of tee.reader()) break;
    origin.push('def');
    origin.end();
    assert.equal((await tee.complete)?.toString(), 'abcdef');
    assert.equal(origin.state.returned, false);
  });
  test('an origin failure: nothing for the store; the client gets what arrived, then the error', async () => {
    const origin = source();
    const tee = new BodyTee(origin.body, 100);
    const received: string[] = [];
    const reading = (async () => {
      for await (const chunk of tee.reader()) received.push(Buffer.from(chunk).toString());
    })();
    origin.push('abc');
    await tick();
    origin.fail(new Error('reset'));
    await assert.rejects(reading, /reset/);
    assert.deepEqual(received, ['abc']);
    assert.equal(await tee.complete, null);
  });
  test('beyond(n): once more than n bytes arrived, or the body ended first', async () => {
    const origin = source();
    const tee = new BodyTee(origin.body, 100);
    let beyond = false;
    void tee.beyond(4).then(() => (beyond = true));
    origin.push('abcd');
    await tick();
    assert.equal(beyond, false, 'exactly n is not beyond n');
    origin.push('e');
    await tick();
    assert.equal(beyond, true);
    const short = source();
    const small = new BodyTee(short.body, 100);
    const ended = small.beyond(1000);
    short.push('x');
    short.end();
    await ended;
    assert.equal(small.collected, true);
    await small.beyond(1000); // asked after the end: answers at once
  });
  test('beyond(n) answers when the body fails or goes past the limit', async () => {
    const failing = source();
    const a = new BodyTee(failing.body, 100);
    const aBeyond = a.beyond(1000);
    failing.fail(new Error('x'));
    await aBeyond;
    const big = source();
    const b = new BodyTee(big.body, 3);
    const bBeyond = b.beyond(1000);
    big.push('abcd');
    await bBeyond;
    assert.equal(await b.complete, null);
  });
});
