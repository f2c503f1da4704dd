// The flood limiter on a controlled clock: the window, the block, its end, and the bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddressOf } from '../../../src/auth/client-address.js';
import { FailureLimiter } from '../../../src/auth/flood.js';
import { clock } from './fixtures.js';

/** A request from this peer address. */
const from = (remoteAddress: string) => ({ remoteAddress, headers: {} });
const [a, b, c] = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map(from) as [ReturnType<typeof from>, ReturnType<typeof from>, ReturnType<typeof from>];

function limiter(clients = 10) {
  const time = clock();
  const clientOf = clientAddressOf({ header: undefined, trustedProxies: [] });
  return { time, limit: new FailureLimiter({ failuresPerMinute: 3, blockMs: 10_000, clients, clientOf, now: time.now }) };
}

test('the failure past the limit blocks the client until the block ends; others are not affected', () => {
  const { time, limit } = limiter();
  assert.deepEqual([1, 2, 3].map(() => limit.failed(a)), [undefined, undefined, undefined]);
  assert.equal(limit.retryAfter(a), 0);
  assert.equal(limit.failed(a), '10.0.0.1');
  assert.equal(limit.retryAfter(a), 10);
  assert.equal(limit.retryAfter(b), 0);
  assert.equal(limit.retryAfter(from('::ffff:10.0.0.1')), 10, 'the same client over a dual-stack socket');
  time.advance(9_001);
  assert.equal(limit.retryAfter(a), 1);
  time.advance(999);
  assert.equal(limit.retryAfter(a), 0);
  assert.equal(limit.failed(a), undefined, 'a fresh window after the block');
});

test('failures spread over more than a minute do not add up', () => {
  const { time, limit } = limiter();
  for (let i = 0; i < 3; i++) limit.failed(a);
  time.advance(60_000);
  assert.equal(limit.failed(a), undefined);
  assert.equal(limit.retryAfter(a), 0);
});

test('memory is bounded: the least recently seen client is forgotten', () => {
  const { limit } = limiter(2);
  for (let i = 0; i < 3; i++) limit.failed(a);
  limit.failed(b);
  limit.failed(c);
  assert.equal(limit.failed(a), undefined, "a's window was evicted");
});

test('the client address: from X-Forwarded-For or X-Real-IP only when the peer is a trusted proxy', () => {
  const trustedProxies = [{ address: '127.0.0.0', prefix: 8 }, { address: '10.1.0.0', prefix: 16 }, { address: 'fd00::', prefix: 8 }];
  const xff = clientAddressOf({ header: 'x-forwarded-for', trustedProxies });
  const via = (peer: string, header: string | string[] | undefined) => xff({ remoteAddress: peer, headers: { 'x-forwarded-for': header } });
  assert.equal(via('127.0.0.1', '203.0.113.7'), '203.0.113.7');
  assert.equal(via('::ffff:127.0.0.1', '203.0.113.7'), '203.0.113.7', 'a trusted peer over a dual-stack socket');
  assert.equal(via('127.0.0.1', '6.6.6.6, 203.0.113.7, 10.1.2.3'), '203.0.113.7', 'the right-most that is not a trusted proxy');
  assert.equal(via('127.0.0.1', ['6.6.6.6', '203.0.113.7']), '203.0.113.7', 'several header lines');
  assert.equal(via('127.0.0.1', '2001:db8::5'), '2001:db8::5');
  assert.equal(via('127.0.0.1', '[2001:db8::5]:443, 198.51.100.1:8080'), '198.51.100.1', 'ports are not part of the address');
  assert.equal(via('127.0.0.1', '6.6.6.6, garbage, 10.1.2.3'), '10.1.2.3', 'no address: the trusted hop right of it');
  assert.equal(via('127.0.0.1', '10.1.0.9, 127.0.0.5'), '10.1.0.9', 'trusted proxies only: the left-most');
  assert.equal(via('127.0.0.1', undefined), '127.0.0.1', 'no header: the peer');
  assert.equal(via('192.0.2.50', '203.0.113.7'), '192.0.2.50', "an untrusted peer's header is ignored");
  const realIp = clientAddressOf({ header: 'x-real-ip', trustedProxies });
  assert.equal(realIp({ remoteAddress: '127.0.0.1', headers: { 'x-real-ip': ' 203.0.113.9 ' } }), '203.0.113.9');
  assert.equal(realIp({ remoteAddress: '127.0.0.1', headers: { 'x-real-ip': 'not-an-address' } }), '127.0.0.1');
  assert.equal(realIp({ remoteAddress: '192.0.2.50', headers: { 'x-real-ip': '203.0.113.9' } }), '192.0.2.50');
  assert.equal(clientAddressOf({ header: 'x-forwarded-for', trustedProxies: [] })({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '1.2.3.4' } }), '127.0.0.1', 'none trusted by default');
});
