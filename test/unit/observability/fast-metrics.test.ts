// The request-path metrics read by prom-client at scrape time: Prometheus text and cluster
// aggregation must look as if prom-client's own metrics had been used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatorRegistry, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from '../../../src/observability/fast-metrics.js';

test('counters and a histogram in Prometheus text', async () => {
  const registry = new Registry();
  const requests = new FastCounter({ name: 'x_requests_total', help: 'requests', labelNames: ['status'] as const, registry });
  const pairs = new FastCounter({ name: 'x_pairs_total', help: 'pairs', labelNames: ['a', 'b'] as const, registry });
  const plain = new FastCounter({ name: 'x_plain_total', help: 'plain', registry });
  const latency = new FastHistogram({ name: 'x_seconds', help: 'latency', buckets: [0.1, 1], registry });
  const hit = requests.labels('hit');
  hit.inc();
  hit.inc(2);
  requests.labels('miss').inc();
  pairs.labels('p', 'q').inc(5);
  plain.inc();
  for (const value of [0.05, 0.5, 0.7, 3]) latency.observe(value);
  const text = await registry.metrics();
  assert.match(text, /# TYPE x_requests_total counter\nx_requests_total\{status="hit"\} 3\nx_requests_total\{status="miss"\} 1/);
  assert.match(text, /x_pairs_total\{a="p",b="q"\} 5/);
  assert.match(text, /x_plain_total 1/);
  assert.match(text, /# TYPE x_seconds histogram\nx_seconds_bucket\{le="0.1"\} 1\nx_seconds_bucket\{le="1"\} 3\nx_seconds_bucket\{le="\+Inf"\} 4\nx_seconds_sum 4.25\nx_seconds_count 4/);
});

test('the cluster aggregator sums them over workers', async () => {
  const workers = [1, 2].map((n) => {
    const registry = new Registry();
    new FastCounter({ name: 'y_total', help: 'y', labelNames: ['k'] as const, registry }).labels('v').inc(n);
    new FastHistogram({ name: 'y_seconds', help: 'y', buckets: [1], registry }).observe(n / 2);
    return registry;
  });
  const merged = AggregatorRegistry.aggregate(await Promise.all(workers.map((r) => r.getMetricsAsJSON())));
  const text = await merged.metrics();
  assert.match(text, /y_total\{k="v"\} 3/);
  assert.match(text, /y_seconds_bucket\{le="1"\} 2/);
  assert.match(text, /y_seconds_count 2/);
});
