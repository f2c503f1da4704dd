// The decision cache's open-addressing index, checked against a Map doing the same operations:
// colliding keys (long probe runs that wrap around the end), deletions inside runs, growth, and the
// CLOCK evictor's second chance.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlotTable } from '../../../src/auth/slot-table.js';

interface TestSlot {
  clock: number;
  readonly name: string;
}

const slot = (name: string): TestSlot => ({ name, clock: 0 });

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('finds what a Map finds through 20,000 sets and deletes of colliding keys, across growth', () => {
  const next = random(7);
  const table = new SlotTable<TestSlot>();
  const model = new Map<number, TestSlot>();
  // Keys that share their low bits (multiples of 2^20, plus a few near the top) make long runs;
  // 1023 is the last position of the first table, so its run wraps around to position 0.
  const keyAt = (n: number) => (n % 3 === 0 ? 1023 + 1024 * (n % 40) : (n % 512) * 1048576 + (n % 7));
  for (let step = 0; step < 20_000; step++) {
    const key = keyAt(Math.floor(next() * 3000));
    if (next() < 0.6) {
      const value = slot(`${key}@${step}`);
      table.set(key, value);
      model.set(key, value);
    } else {
      table.delete(key);
      model.delete(key);
    }
    if (step % 997 === 0) {
      for (let n = 0; n < 3000; n++) assert.equal(table.get(keyAt(n)), model.get(keyAt(n)), `key ${keyAt(n)} at step ${step}`);
    }
    assert.equal(table.size, model.size);
  }
  for (const [key, value] of model) assert.equal(table.get(key), value);
  assert.equal(table.get(0x3fffffff), undefined);
});

test('a replaced key keeps one entry', () => {
  const table = new SlotTable<TestSlot>();
  const second = slot('second');
  table.set(42, slot('first'));
  table.set(42, second);
  assert.equal(table.size, 1);
  assert.equal(table.get(42), second);
});

test('a new slot gets a turn; then the evictor drops what was not read since it passed, sparing what was', () => {
  const table = new SlotTable<TestSlot>();
  const [first, second, third] = [slot('first'), slot('second'), slot('third')];
  table.set(5, first);
  table.set(9, second);
  table.set(700, third);
  assert.deepEqual([first.clock, second.clock, third.clock], [1, 1, 1], 'new: the bit is set');
  table.evictOne(); // one turn clears every bit, the next position with none goes: 5
  assert.deepEqual([table.get(5), first.clock, second.clock, third.clock], [undefined, 0, 0, 0]);
  second.clock += 1; // read
  table.evictOne();
  assert.equal(table.get(9), second, 'read since the hand passed: spared');
  assert.equal(table.get(700), undefined, 'not read: dropped');
  assert.equal(second.clock, 0, 'its bit is cleared: it goes next time unless read again');
  table.evictOne();
  assert.equal(table.size, 0);
  table.evictOne(); // an empty table: nothing to do, and it returns
});

test('evicting from a full table of new slots takes at most two turns and keeps the rest findable', () => {
  const table = new SlotTable<TestSlot>();
  for (let key = 0; key < 700; key++) table.set(key * 1024, slot(String(key))); // one long run
  for (let i = 0; i < 350; i++) table.evictOne();
  assert.equal(table.size, 350);
  let found = 0;
  for (let key = 0; key < 700; key++) if (table.get(key * 1024) !== undefined) found++;
  assert.equal(found, 350);
});

test('growing keeps every slot where the evictor left it: no bit set back', () => {
  const table = new SlotTable<TestSlot>();
  const older = Array.from({ length: 700 }, (_, n) => slot(String(n)));
  older.forEach((value, n) => table.set(n * 3, value));
  table.evictOne(); // a whole turn: every bit cleared, one slot gone
  for (let n = 0; n < 100; n++) table.set(100_000 + n, slot(`new-${n}`)); // past 3/4 of 1,024: it grows
  const kept = older.filter((value, n) => table.get(n * 3) === value);
  assert.equal(kept.length, 699);
  assert.ok(kept.every((value) => value.clock === 0));
});

test('keys up to 2³¹ − 2 (the fingerprints\' range starts at 2³⁰) are stored and found', () => {
  const table = new SlotTable<TestSlot>();
  const keys = [0, 1, 2 ** 30 - 1, 2 ** 30, 2 ** 30 + 0x1fffffff, 2 ** 31 - 2];
  keys.forEach((key) => table.set(key, slot(String(key))));
  assert.deepEqual(keys.map((key) => table.get(key)?.name), keys.map(String));
  assert.equal(table.delete(2 ** 31 - 2)?.name, String(2 ** 31 - 2));
  assert.equal(table.get(2 ** 31 - 2), undefined);
});
