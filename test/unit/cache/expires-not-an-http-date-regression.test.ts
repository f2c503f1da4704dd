// Regression: dates were read with Date.parse, which takes far more than an HTTP-date (RFC 9110
// §5.6.7): "Expires: 2099", an ISO date or "Thu, 01 Jan 2099" made a response fresh for decades
// where RFC 9111 §5.3 says an invalid Expires is a time in the past; "Date: 1" (Date.parse: 2001)
// made every response 25 years old on arrival; and an asctime date was read in local time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { governingDirectives } from '../../../src/cache/directives.js';
import { freshnessLifetime, httpDate, initialAge } from '../../../src/cache/freshness.js';
import type { HeaderMap } from '../../../src/http/exchange.js';
import { httpDate as imfFixdate, NOW, timing } from './fixtures.js';

const lifetime = (headers: HeaderMap, heuristic?: number) => freshnessLifetime(governingDirectives(headers), headers, 200, heuristic, timing());

test('an Expires that is not an HTTP-date is in the past, however far ahead Date.parse would put it', () => {
  for (const expires of ['2099', '9999', '2099-01-01', '2099-01-01T00:00:00Z', 'Thu, 01 Jan 2099', 'Dec 2099', 'Thu, 01 Jan 2099 00:00:00 PST', 'thu, 01 jan 2099 00:00:00 gmt', 'Thu, 1 Jan 2099 00:00:00 GMT', 'Fri, 31 Feb 2099 00:00:00 GMT']) {
    assert.equal(lifetime({ date: imfFixdate(NOW), expires }), 0, expires);
  }
});

test('a Date that is not an HTTP-date is ignored, not a time decades ago', () => {
  for (const date of ['1', '0', '2001', '12']) assert.equal(initialAge({ date }, timing()), 0, date);
  assert.equal(lifetime({ date: '1', 'cache-control': 'max-age=60' }), 60_000);
});

test('a Last-Modified that is not an HTTP-date gives no heuristic freshness', () => {
  assert.equal(lifetime({ 'last-modified': '2000' }, 0.1), 0);
});

test('the three HTTP-date forms name one instant, in GMT whatever the local time zone', () => {
  const previous = process.env.TZ;
  process.env.TZ = 'America/New_York';
  try {
    const instant = Date.UTC(1994, 10, 6, 8, 49, 37);
    assert.equal(httpDate('Sun, 06 Nov 1994 08:49:37 GMT'), instant);
    assert.equal(httpDate('Sunday, 06-Nov-94 08:49:37 GMT'), instant);
    assert.equal(httpDate('Sun Nov  6 08:49:37 1994'), instant);
    assert.equal(httpDate(' Sun, 06 Nov 1994 08:49:37 GMT '), instant, 'surrounding whitespace is not part of the value');
    assert.equal(httpDate(imfFixdate(NOW)), NOW);
  } finally {
    if (previous === undefined) delete process.env.TZ;
    else process.env.TZ = previous;
  }
});

test('an rfc850 two-digit year more than 50 years ahead is the last century (RFC 9110 §5.6.7)', () => {
  const year = new Date().getUTCFullYear();
  const ahead = (year + 51) % 100;
  const parsed = new Date(httpDate(`Monday, 01-Jan-${String(ahead).padStart(2, '0')} 00:00:00 GMT`)!).getUTCFullYear();
  assert.equal(parsed, year + 51 - 100);
  const near = (year + 1) % 100;
  assert.equal(new Date(httpDate(`Monday, 01-Jan-${String(near).padStart(2, '0')} 00:00:00 GMT`)!).getUTCFullYear(), year + 1);
});

test('out-of-range fields are invalid; a leap second is not', () => {
  for (const value of ['Sun, 06 Nov 1994 24:00:00 GMT', 'Sun, 06 Nov 1994 08:60:00 GMT', 'Sun, 00 Nov 1994 08:49:37 GMT', 'Sun, 32 Nov 1994 08:49:37 GMT']) {
    assert.ok(Number.isNaN(httpDate(value)), value);
  }
  assert.equal(httpDate('Sat, 31 Dec 2016 23:59:60 GMT'), Date.UTC(2017, 0, 1));
  assert.equal(httpDate(undefined), undefined);
});
