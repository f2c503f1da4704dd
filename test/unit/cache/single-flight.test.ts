// Request collapsing: one flight per key, settled once, gone once settled; bounded in flights and in
// key bytes: beyond either bound a start does not register (the miss fetches on its own).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SingleFlight, type FlightOutcome } from '../../../src/cache/single-flight.js';

const STORED: FlightOutcome = { kind: 'stored' };

test('a started flight is found by its key until it settles; waiters get the outcome', async () => {
  const flights = new SingleFlight();
  assert.equal(flights.get('k'), undefined);
  const settle = flights.start('k');
  const flight = flights.get('k');
  assert.ok(flight instanceof Promise);
  assert.equal(flights.get('k'), flight, 'every waiter shares one promise');
  assert.equal(flights.size, 1);
  settle({ kind: 'failed', status: 504, originStatus: undefined, cause: 'BOUNCER_UPSTREAM_TIMEOUT' });
  assert.equal(flights.get('k'), undefined, 'gone as soon as it settles');
  assert.equal(flights.size, 0);
  assert.deepEqual(await flight, { kind: 'failed', status: 504, originStatus: undefined, cause: 'BOUNCER_UPSTREAM_TIMEOUT' });
});

test('settling twice changes nothing, not even a later flight of the same key', async () => {
  const flights = new SingleFlight();
  const settle = flights.start('k');
  const first = flights.get('k')!;
  settle(STORED);
  const settleNext = flights.start('k');
  const next = flights.get('k')!;
  settle({ kind: 'not-stored' });
  assert.equal(flights.get('k'), next, 'the old settle does not end the new flight');
  assert.deepEqual(await first, STORED);
  settleNext({ kind: 'not-stored' });
  assert.deepEqual(await next, { kind: 'not-stored' });
});

test('a second start of a key under way does not register, and its settle does not end the first', () => {
  const flights = new SingleFlight();
  flights.start('k');
  const flight = flights.get('k');
  const second = flights.start('k');
  second(STORED);
  assert.equal(flights.get('k'), flight);
  assert.equal(flights.size, 1);
});

test('beyond max flights a start does not register; room is made as flights settle', () => {
  const flights = new SingleFlight(2);
  const a = flights.start('a');
  flights.start('b');
  const c = flights.start('c');
  assert.equal(flights.get('c'), undefined);
  assert.equal(flights.size, 2);
  c(STORED);
  assert.equal(flights.size, 2);
  a(STORED);
  flights.start('c');
  assert.ok(flights.get('c'));
});

test('beyond maxKeyBytes a start does not register; settled keys give their bytes back', () => {
  const flights = new SingleFlight(100, 10);
  const five = flights.start('12345');
  flights.start('678901');
  assert.equal(flights.get('678901'), undefined, '5 + 6 > 10');
  flights.start('abcde');
  assert.ok(flights.get('abcde'), '5 + 5 = 10 fits');
  flights.start('x');
  assert.equal(flights.get('x'), undefined);
  five(STORED);
  flights.start('x');
  assert.ok(flights.get('x'));
  assert.equal(new SingleFlight(100, 3).start('long key') !== undefined, true, 'an unregistered start still returns a settle');
});
