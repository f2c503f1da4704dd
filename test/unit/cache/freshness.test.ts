// RFC 9111 §4.2: freshness lifetime (s-maxage, max-age, Expires − Date, heuristics only where a route
// configures them), the age a response arrives with (Age parsed strictly, apparent age from Date,
// response delay), a route's ttl, and the windows in which a stale response may be served
// (§4.2.4, RFC 5861) with the directives that forbid them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { governingDirectives } from '../../../src/cache/directives.js';
import {
  ageValue,
  freshnessLifetime,
  hasExplicitFreshness,
  HEURISTIC_STATUSES,
  implicitStaleAllowed,
  initialAge,
  lifetimeOf,
  mustRevalidateEachUse,
  staleForbidden,
  type FreshnessRule,
} from '../../../src/cache/freshness.js';
import { parseCacheControl } from '../../../src/http/cache-control.js';
import type { HeaderMap } from '../../../src/http/exchange.js';
import { httpDate, NOW, rule, timing } from './fixtures.js';

const DAY = 86_400_000;
const lifetime = (headers: HeaderMap, status = 200, heuristic?: number, t = timing()) =>
  freshnessLifetime(governingDirectives(headers), headers, status, heuristic, t);
const lifetimeWith = (headers: HeaderMap, overrides: Partial<FreshnessRule> = {}, status = 200, t = timing()) =>
  lifetimeOf(governingDirectives(headers), headers, status, rule(overrides), t);

describe('freshnessLifetime (§4.2.1)', () => {
  test('s-maxage (a shared cache) before max-age before Expires', () => {
    const expires = httpDate(NOW + 3_600_000);
    assert.equal(lifetime({ 'cache-control': 'max-age=100, s-maxage=10', expires }), 10_000);
    assert.equal(lifetime({ 'cache-control': 'max-age=100', expires }), 100_000);
    assert.equal(lifetime({ expires, date: httpDate(NOW) }), 3_600_000);
  });
  test('Expires counts from Date, not from when the response arrived', () => {
    const date = NOW - 20_000;
    assert.equal(lifetime({ date: httpDate(date), expires: httpDate(date + 60_000) }), 60_000);
  });
  test('Expires without Date counts from the response time', () => {
    assert.equal(lifetime({ expires: httpDate(NOW + 30_000) }), 30_000);
  });
  test('an Expires at or before Date: already stale', () => {
    assert.equal(lifetime({ date: httpDate(NOW), expires: httpDate(NOW - 1000) }), 0);
    assert.equal(lifetime({ date: httpDate(NOW), expires: httpDate(NOW) }), 0);
  });
  test('an invalid max-age or s-maxage means stale, not "look further" (§4.2.1: treat invalid freshness as stale)', () => {
    const expires = httpDate(NOW + 3_600_000);
    for (const cc of ['max-age=abc', 'max-age=-1', 'max-age=1.5', 'max-age=', 'max-age', 's-maxage=x, max-age=60']) {
      assert.equal(lifetime({ 'cache-control': cc, expires, 'last-modified': httpDate(NOW - 10 * DAY) }, 200, 0.1), 0, cc);
    }
  });
  test('the quoted form of max-age is valid', () => {
    assert.equal(lifetime({ 'cache-control': 'max-age="60"' }), 60_000);
  });
  test('an invalid Expires ("0", garbage, empty, two values) is a time in the past (§5.3)', () => {
    for (const expires of ['0', '-1', 'garbage', '', 'Thu, 01 Jan 1970 00:00:00 GMT', [httpDate(NOW + DAY), httpDate(NOW + 2 * DAY)]]) {
      const headers = { date: httpDate(NOW), expires, 'last-modified': httpDate(NOW - 10 * DAY) };
      assert.equal(lifetime(headers, 200, 0.1), 0, `${JSON.stringify(expires)}: stale, and no heuristic either`);
    }
  });
  test('targeted fields replace Cache-Control and Expires (RFC 9213 §2.2)', () => {
    const expires = httpDate(NOW + 3_600_000);
    assert.equal(lifetime({ 'cdn-cache-control': 'max-age=5', 'cache-control': 'max-age=100', expires }), 5_000);
    assert.equal(lifetime({ 'cdn-cache-control': 'public', 'cache-control': 'max-age=100', expires }), 0);
    assert.equal(lifetime({ 'bouncer-cache-control': 's-maxage=7', 'cdn-cache-control': 'max-age=5' }), 7_000);
  });
  test('heuristic freshness: a fraction of Date − Last-Modified, only when configured (§4.2.2)', () => {
    const headers = { date: httpDate(NOW), 'last-modified': httpDate(NOW - 10 * DAY) };
    assert.equal(lifetime(headers, 200, 0.1), DAY);
    assert.equal(lifetime(headers, 200, undefined), 0, 'off unless the route configures it');
    assert.equal(lifetime({ 'last-modified': httpDate(NOW - 10 * DAY) }, 200, 0.1), DAY, 'from the response time without Date');
  });
  test('heuristic freshness only for heuristically cacheable statuses (RFC 9110 §15.1)', () => {
    const headers = { date: httpDate(NOW), 'last-modified': httpDate(NOW - 10 * DAY) };
    for (const status of [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]) assert.equal(lifetime(headers, status, 0.1), DAY, String(status));
    for (const status of [201, 302, 303, 307, 400, 403, 500, 502, 503]) assert.equal(lifetime(headers, status, 0.1), 0, String(status));
    assert.deepEqual([...HEURISTIC_STATUSES].sort((a, b) => a - b), [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]);
  });
  test('no heuristic when an explicit lifetime is present, nor from an invalid or future Last-Modified', () => {
    assert.equal(lifetime({ 'cache-control': 'max-age=0', 'last-modified': httpDate(NOW - 10 * DAY) }, 200, 0.1), 0);
    assert.equal(lifetime({ 'last-modified': 'yesterday' }, 200, 0.1), 0);
    assert.equal(lifetime({ date: httpDate(NOW), 'last-modified': httpDate(NOW + DAY) }, 200, 0.1), 0);
  });
  test('nothing said: zero', () => {
    assert.equal(lifetime({}), 0);
    assert.equal(lifetime({ 'cache-control': 'public' }), 0);
  });
});

describe('ageValue (§5.1)', () => {
  test('a non-negative integer, in seconds', () => {
    assert.equal(ageValue({ age: '60' }), 60);
    assert.equal(ageValue({ age: '0' }), 0);
    assert.equal(ageValue({ age: ' 7 ' }), 7);
  });
  test('a list keeps its first member (several lines too)', () => {
    assert.equal(ageValue({ age: '60, 120' }), 60);
    assert.equal(ageValue({ age: ['30', '90'] }), 30);
  });
  test('anything else is ignored', () => {
    for (const age of ['-5', '1.5', 'abc', '', '1e3', '+3', ',5']) assert.equal(ageValue({ age }), 0, age);
    assert.equal(ageValue({}), 0);
  });
  test('capped at 2^31', () => {
    assert.equal(ageValue({ age: '99999999999999' }), 2 ** 31);
  });
});

describe('initialAge (§4.2.3)', () => {
  test('apparent age: response time − Date, never negative', () => {
    assert.equal(initialAge({ date: httpDate(NOW - 30_000) }, timing()), 30);
    assert.equal(initialAge({ date: httpDate(NOW + 30_000) }, timing()), 0, 'a Date in the future');
    assert.equal(initialAge({ date: 'not a date' }, timing()), 0);
    assert.equal(initialAge({}, timing()), 0);
  });
  test('corrected Age: Age + response delay', () => {
    assert.equal(initialAge({ age: '10' }, timing(NOW, 3_000)), 13);
    assert.equal(initialAge({}, timing(NOW, 2_900)), 2, 'whole seconds');
    assert.equal(initialAge({ age: 'x' }, timing(NOW, 3_000)), 3, 'an invalid Age is 0');
  });
  test('the larger of apparent and corrected age', () => {
    assert.equal(initialAge({ date: httpDate(NOW - 30_000), age: '10' }, timing()), 30);
    assert.equal(initialAge({ date: httpDate(NOW - 30_000), age: '100' }, timing()), 100);
    assert.equal(initialAge({ date: httpDate(NOW - 5_000), age: '1' }, timing(NOW, 8_000)), 9);
  });
});

describe('predicates', () => {
  const d = (value: string) => parseCacheControl(value);
  test('hasExplicitFreshness: s-maxage, max-age, or Expires under Cache-Control', () => {
    assert.equal(hasExplicitFreshness(governingDirectives({ 'cache-control': 'max-age=0' }), {}), true);
    assert.equal(hasExplicitFreshness(governingDirectives({ 'cache-control': 's-maxage=x' }), {}), true);
    assert.equal(hasExplicitFreshness(governingDirectives({ expires: '0' }), { expires: '0' }), true);
    const targeted = { 'cdn-cache-control': 'public', expires: httpDate(NOW + DAY) };
    assert.equal(hasExplicitFreshness(governingDirectives(targeted), targeted), false, 'a targeted field hides Expires');
    assert.equal(hasExplicitFreshness(governingDirectives({ 'cache-control': 'public' }), {}), false);
  });
  test('mustRevalidateEachUse: no-cache, qualified or not', () => {
    assert.equal(mustRevalidateEachUse(d('no-cache')), true);
    assert.equal(mustRevalidateEachUse(d('no-cache="set-cookie"')), true);
    assert.equal(mustRevalidateEachUse(d('must-revalidate')), false);
  });
  test('staleForbidden: must-revalidate, proxy-revalidate, no-cache', () => {
    for (const cc of ['must-revalidate', 'proxy-revalidate', 'no-cache', 'max-age=5, MUST-REVALIDATE']) assert.equal(staleForbidden(d(cc)), true, cc);
    for (const cc of ['', 'max-age=5', 's-maxage=5', 'public', 'stale-if-error=5']) assert.equal(staleForbidden(d(cc)), false, cc);
  });
  test('implicitStaleAllowed: not with s-maxage (§5.2.2.10) nor where stale is forbidden', () => {
    assert.equal(implicitStaleAllowed(d('max-age=60')), true);
    assert.equal(implicitStaleAllowed(d('s-maxage=60')), false);
    assert.equal(implicitStaleAllowed(d('max-age=60, must-revalidate')), false);
  });
});

describe('lifetimeOf', () => {
  test('fresh for the lifetime less the age it arrived with', () => {
    assert.equal(lifetimeWith({ 'cache-control': 'max-age=60', age: '20' }).freshMs, 40_000);
    assert.equal(lifetimeWith({ 'cache-control': 'max-age=60', date: httpDate(NOW - 45_000) }).freshMs, 15_000);
    assert.equal(lifetimeWith({ 'cache-control': 'max-age=60', age: '90' }).freshMs, 0);
    assert.equal(lifetimeWith({ 'cache-control': 'max-age=60', age: '20' }).initialAge, 20);
  });
  test('no-cache: fresh for nothing, whatever max-age or the route say', () => {
    assert.equal(lifetimeWith({ 'cache-control': 'no-cache, max-age=600' }).freshMs, 0);
    assert.equal(lifetimeWith({ 'cache-control': 'no-cache' }, { ttl: 60_000 }).freshMs, 0);
  });
  test("a route's ttl replaces the origin's lifetime for heuristically cacheable statuses", () => {
    assert.equal(lifetimeWith({}, { ttl: 5_000 }).freshMs, 5_000);
    assert.equal(lifetimeWith({ 'cache-control': 'max-age=600' }, { ttl: 5_000 }).freshMs, 5_000);
    assert.equal(lifetimeWith({ 'cache-control': 'max-age=0' }, { ttl: 5_000 }, 404).freshMs, 5_000);
    assert.equal(lifetimeWith({ 'cache-control': 'max-age=60' }, { ttl: 5_000 }, 302).freshMs, 60_000, 'not for a 302: the origin decides');
    assert.equal(lifetimeWith({}, { ttl: 5_000 }, 500).freshMs, 0);
  });
  test('a route heuristic applies through lifetimeOf', () => {
    const headers = { date: httpDate(NOW), 'last-modified': httpDate(NOW - 10 * DAY) };
    assert.equal(lifetimeWith(headers, { heuristic: 0.01 }).freshMs, DAY / 10);
  });
  test('must-revalidate, proxy-revalidate and no-cache forbid every stale window, explicit ones included', () => {
    const route = { staleWhileRevalidate: 30_000, staleIfError: 60_000, staleOnError: DAY };
    for (const cc of ['max-age=60, must-revalidate', 'max-age=60, proxy-revalidate', 'no-cache']) {
      const l = lifetimeWith({ 'cache-control': `${cc}, stale-while-revalidate=30, stale-if-error=30` }, route);
      assert.equal(l.staleWhileRevalidateMs, 0, cc);
      assert.equal(l.staleIfErrorMs, 0, cc);
    }
  });
  test('explicit stale-while-revalidate / stale-if-error (RFC 5861) before the route defaults', () => {
    const route = { staleWhileRevalidate: 30_000, staleIfError: 60_000, staleOnError: DAY };
    const l = lifetimeWith({ 'cache-control': 'max-age=60, stale-while-revalidate=5, stale-if-error=7' }, route);
    assert.equal(l.staleWhileRevalidateMs, 5_000);
    assert.equal(l.staleIfErrorMs, 7_000);
    const zero = lifetimeWith({ 'cache-control': 'max-age=60, stale-while-revalidate=0, stale-if-error=0' }, route);
    assert.equal(zero.staleWhileRevalidateMs, 0, 'an explicit 0 is explicit');
    assert.equal(zero.staleIfErrorMs, 0, 'an explicit 0 is explicit');
  });
  test('an invalid stale-* directive leaves the route default in force', () => {
    const route = { staleWhileRevalidate: 30_000, staleIfError: 60_000 };
    const l = lifetimeWith({ 'cache-control': 'max-age=60, stale-while-revalidate=x, stale-if-error=-1' }, route);
    assert.equal(l.staleWhileRevalidateMs, 30_000);
    assert.equal(l.staleIfErrorMs, 60_000);
  });
  test('route defaults apply when the origin says nothing; staleOnError when the route says nothing either', () => {
    const l = lifetimeWith({ 'cache-control': 'max-age=60' }, { staleWhileRevalidate: 30_000, staleIfError: 60_000, staleOnError: DAY });
    assert.equal(l.staleWhileRevalidateMs, 30_000);
    assert.equal(l.staleIfErrorMs, 60_000);
    const implicit = lifetimeWith({ 'cache-control': 'max-age=60' }, { staleOnError: DAY });
    assert.equal(implicit.staleWhileRevalidateMs, 0);
    assert.equal(implicit.staleIfErrorMs, DAY);
  });
  test('s-maxage forbids only the implicit staleOnError; explicit directives and route defaults still apply', () => {
    assert.equal(lifetimeWith({ 'cache-control': 's-maxage=60' }, { staleOnError: DAY }).staleIfErrorMs, 0);
    assert.equal(lifetimeWith({ 'cache-control': 's-maxage=60, stale-if-error=30' }, { staleOnError: DAY }).staleIfErrorMs, 30_000);
    assert.equal(lifetimeWith({ 'cache-control': 's-maxage=60' }, { staleIfError: 60_000, staleOnError: DAY }).staleIfErrorMs, 60_000);
    const swr = lifetimeWith({ 'cache-control': 's-maxage=60, stale-while-revalidate=9' }, { staleOnError: DAY });
    assert.equal(swr.staleWhileRevalidateMs, 9_000);
    assert.equal(lifetimeWith({ 'cache-control': 's-maxage=60' }, { staleWhileRevalidate: 30_000 }).staleWhileRevalidateMs, 30_000);
  });
  test('the stale windows of a targeted field are its own', () => {
    const headers = { 'cdn-cache-control': 'max-age=60, stale-if-error=5', 'cache-control': 'max-age=60, must-revalidate' };
    assert.equal(lifetimeWith(headers, { staleOnError: DAY }).staleIfErrorMs, 5_000, 'must-revalidate in Cache-Control is not read');
  });
});
