// The README's metric table lists exactly what /metrics emits (besides Node's process metrics).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { createMetrics } from '../../../src/observability/metrics.js';

test('every metric the registry emits is in the README table, and nothing else', () => {
  const readme = readFileSync(resolve(import.meta.dirname, '../../../../README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| metric | labels |'));
  const documented = new Set([...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `(bouncer_[a-z_]+)`/gm)].map((m) => m[1]!));
  const emitted = new Set(createMetrics().registry.getMetricsAsArray().map((metric) => metric.name).filter((name) => !name.startsWith('bouncer_process_')));
  assert.deepEqual([...documented].sort(), [...emitted].sort());
});
