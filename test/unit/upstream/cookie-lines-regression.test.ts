// Regression: forwardRequestHeaders joined several Cookie lines with "; " only when it had a token
// cookie to take out; otherwise (full requests, routes without tokens) it passed the lines on as an
// array, which goes to the origin as several Cookie fields (RFC 6265 §5.4: one Cookie field; an
// origin that combines them as a list joins them with ", " and misreads the cookies), while
// forwardedValue (what Vary is matched against) said "a=1; b=2".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardedValue, forwardRequestHeaders, type ForwardOptions } from '../../../src/upstream/headers.js';

const OPTIONS: ForwardOptions = { reserved: new Set(), keyed: [], identity: [], host: 'origin.test', clientAddress: '192.0.2.1', secure: false, forCache: false };

test('several Cookie lines reach the origin as one field joined with "; ", as forwardedValue says', () => {
  const headers = { cookie: ['a=1', 'b=2; c=3'] };
  for (const options of [OPTIONS, { ...OPTIONS, forCache: true }, { ...OPTIONS, withholdCookie: 'token' }]) {
    const sent = forwardRequestHeaders(headers, options);
    assert.equal(sent.cookie, 'a=1; b=2; c=3');
    assert.equal(forwardedValue(headers, 'cookie', options), sent.cookie);
  }
});

test('one Cookie line is sent as it is', () => {
  assert.equal(forwardRequestHeaders({ cookie: 'a=1;b=2' }, OPTIONS).cookie, 'a=1;b=2');
});
