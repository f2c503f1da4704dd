// Sweep load: `count` distinct valid HS256 users, one request each, as fast as `concurrency`
// keep-alive connections allow. Tokens are minted in batches as the sweep goes, so a million users
// never sit in memory at once.
//   node dist/bench/clients/sweep.js <url> <hs256-secret> <count> [concurrency] [first-user]
// Prints one JSON line: sent, statuses, elapsed ms, req/s.
import { Pool } from 'undici';
import { createHsKey, mintValid } from '../lib/tokens.js';

const BATCH = 10_000;
const [urlArg, secret, countArg, concurrencyArg, firstArg] = process.argv.slice(2);
if (!urlArg || !secret || !countArg) throw new TypeError('usage: sweep.js <url> <hs256-secret> <count> [concurrency] [first-user]');
const url = new URL(urlArg);
const count = Number(countArg);
const concurrency = Number(concurrencyArg ?? 64);
const first = Number(firstArg ?? 0);
const key = createHsKey(secret);
const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1 });

const statuses: Record<string, number> = {};
const started = performance.now();
for (let done = 0; done < count; done += BATCH) {
  const tokens = await mintValid(key, Math.min(BATCH, count - done), first + done);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tokens.length) {
      const token = tokens[next++];
      const status = await pool
        .request({ method: 'GET', path: url.pathname, headers: { authorization: `Bearer ${token}` } })
        .then(async (res) => {
          await res.body.dump();
          return String(res.statusCode);
        })
        .catch((error: NodeJS.ErrnoException) => error.code ?? 'error');
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
const ms = performance.now() - started;
await pool.close();
process.stdout.write(`${JSON.stringify({ sent: count, statuses, ms: Math.round(ms), rps: Math.round(count / (ms / 1000)) })}\n`);
