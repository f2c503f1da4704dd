// /stats arithmetic: percentiles from histogram buckets, workers summed, rates over the interval.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combine, percentiles, snapshotOf, StatsHistory } from '../../../src/admin/stats.js';
import { createMetrics } from '../../../src/observability/metrics.js';

test('percentiles interpolate within a bucket, in ms', () => {
  const p = percentiles({ bounds: [0.001, 0.01], counts: [50, 50, 0], sum: 0, count: 100 });
  assert.equal(p.p50, 1);
  assert.equal(p.p90, 8.2);
  assert.equal(p.count, 100);
  assert.equal(percentiles({ bounds: [0.001], counts: [0, 0], sum: 0, count: 0 }).p99, 0);
});

test('workers are summed (revocations are one set: the largest count), rates are per second', () => {
  const a = createMetrics({ process: false });
  const b = createMetrics({ process: false });
  a.requests.labels('hit').inc(90);
  a.requests.labels('miss').inc(10);
  b.requests.labels('hit').inc(100);
  a.originRequests.labels('miss', '200').inc(10);
  b.originRequests.labels('miss', '200').inc(2);
  b.originRequests.labels('miss', 'BOUNCER_UPSTREAM_TIMEOUT').inc(1);
  a.sources.revocations = () => ({ token: 3 });
  b.sources.revocations = () => ({ token: 3 });
  const total = combine([snapshotOf(a, 0, 1_000), snapshotOf(b, 0, 1_000)]);
  assert.deepEqual(total.requests, { hit: 190, miss: 10 });
  assert.deepEqual(total.origin, { miss: 13 });
  assert.deepEqual(total.revocations, { token: 3 });

  const history = new StatsHistory();
  const first = history.stats([snapshotOf(a, 0, 10_000)]);
  assert.equal(first.totals.requests.total, 100);
  assert.equal(first.totals.hitRatio, 0.9);
  assert.equal(first.rates.requests.total, 10, '100 requests over the 10 s since start');
  a.requests.labels('hit').inc(20);
  const second = history.stats([snapshotOf(a, 0, 12_000)]);
  assert.equal(second.intervalSeconds, 2);
  assert.equal(second.rates.requests.hit, 10);
  assert.equal(second.rates.hitRatio, 1, 'the ratio of the interval, not a rate');
});
