// HTTP-date (RFC 9110 §5.6.7): exactly IMF-fixdate, rfc850-date and asctime-date, case-sensitive, GMT.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseHttpDate } from '../../../src/http/date.js';

const INSTANT = Date.UTC(1994, 10, 6, 8, 49, 37);

test('the three forms of one instant', () => {
  assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), INSTANT);
  assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), INSTANT);
  assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), INSTANT);
  assert.equal(parseHttpDate('Sun Nov 16 08:49:37 1994'), INSTANT + 10 * 86_400_000);
});
test('what Date.parse takes but HTTP-date does not', () => {
  for (const value of ['0', '1', '2099', '2099-01-01', '1994-11-06T08:49:37Z', 'Sun, 06 Nov 1994', 'Sun, 06 Nov 1994 08:49:37', 'Sun, 06 Nov 1994 08:49:37 UTC',
    'Sun, 06 Nov 1994 08:49:37 +0000', 'Sun, 6 Nov 1994 08:49:37 GMT', 'sun, 06 nov 1994 08:49:37 gmt', 'Sun,06 Nov 1994 08:49:37 GMT', 'Nov 6 1994', 'Sun Nov 6 08:49:37 1994',
    'Sunday, 06-Nov-1994 08:49:37 GMT', 'Sun, 06 Nov 94 08:49:37 GMT', '', 'Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT']) {
    assert.ok(Number.isNaN(parseHttpDate(value)), JSON.stringify(value));
  }
});
test('days a month does not have are invalid', () => {
  assert.ok(Number.isNaN(parseHttpDate('Thu, 31 Feb 2024 00:00:00 GMT')));
  assert.ok(Number.isNaN(parseHttpDate('Thu, 29 Feb 2023 00:00:00 GMT')));
  assert.equal(parseHttpDate('Thu, 29 Feb 2024 00:00:00 GMT'), Date.UTC(2024, 1, 29));
});
test('every instant round-trips through toUTCString (an IMF-fixdate)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 253_402_300_799 }), (seconds) => {
      assert.equal(parseHttpDate(new Date(seconds * 1000).toUTCString()), seconds * 1000);
    }),
  );
});
test('years below 100 stay as written in the four-digit forms', () => {
  assert.equal(new Date(parseHttpDate('Sat, 01 Jan 0050 00:00:00 GMT')).getUTCFullYear(), 50);
});
