// The IPC bus with two real worker processes (under the runtime being tested): an event one worker
// publishes reaches both workers, each exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import type { BusEvent } from '../../src/cluster/bus.js';
import { runtime } from '../helpers/gateway.js';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/bus-cluster.js');

test('IPC bus: events published in a worker and in the primary reach both workers once, in one order', async () => {
  const child = spawn(runtime(), [FIXTURE], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  assert.equal(code, 0, stdout);
  const { received } = JSON.parse(stdout.trim().split('\n').pop()!) as { received: Record<string, BusEvent[]> };
  const expected = [{ type: 'revoke', sub: 'user-1', until: 0 }, { type: 'purge', prefix: '/api/', from: 1 }];
  assert.deepEqual(Object.values(received), [expected, expected]);
});
