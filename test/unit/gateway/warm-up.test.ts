// The warm-up at start (gateway/warm-up.ts), run in a child process so that what it leaves open shows:
// a child that exits by itself had no listener or socket left. Every synthetic request goes through
// the twin's pipeline and is answered by it; a warm-up that cannot start fails whole (the start-up
// then goes on cold, see start.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';

const built = (path: string) => JSON.stringify(new URL(`../../../src/${path}`, import.meta.url).href);

/** Runs `body` as an ES module after importing warmUpRuntime, startNodeFront and a silent log; killed after 20 s. */
async function inChild(body: string): Promise<{ output: string; code: number | null; signal: string | null }> {
  const script = `
    const { warmUpRuntime } = await import(${built('gateway/warm-up.js')});
    const { startNodeFront } = await import(${built('fronts/node.js')});
    const log = (await import(${built('observability/logger.js')})).createLogger('silent');
    ${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  return { output: output.trim(), code, signal };
}

test('every warm-up request goes through the twin and is answered by it; nothing is left open', async () => {
  const { output, code, signal } = await inChild(`
    const statuses = [];
    const counting = (handler) => (request) => {
      const settle = (response) => (statuses.push(response.status), response);
      const result = handler(request);
      return result instanceof Promise ? result.then(settle) : settle(result);
    };
    await warmUpRuntime(200, (handler) => startNodeFront(counting(handler), { host: '127.0.0.1', port: 0, backlog: 64 }), log);
    console.log(JSON.stringify(statuses.reduce((count, status) => ({ ...count, [status]: (count[status] ?? 0) + 1 }), {})));`);
  assert.equal(output, JSON.stringify({ 200: 200 }), "signed by the twin's own key, stored by its own cache");
  assert.deepEqual([code, signal], [0, null], 'exited by itself');
});

test('a warm-up whose front cannot start rejects, and leaves nothing open behind it', async () => {
  const { output, code, signal } = await inChild(`
    await warmUpRuntime(10, () => Promise.reject(new Error('no port for the twin')), log).catch((error) => console.log(error.message));`);
  assert.equal(output, 'no port for the twin');
  assert.deepEqual([code, signal], [0, null], 'exited by itself');
});
