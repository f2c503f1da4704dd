// Impulse load: N distinct users, one request each, all fired at once on a cold gateway.
//   node dist/bench/clients/impulse.js <url> <tokens-file> <users> [timeout-s]
// Opens every connection first (at most CONNECTING at a time, so the listen backlog is not what is
// measured), then writes one request per connection in one tight loop and waits for every answer.
// Prints one JSON line: statuses, per-user latency from the moment of firing, time to the last answer.
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { percentile } from '../lib/stats.js';

const CONNECTING = 1_000;
const [urlArg, tokensFile, usersArg, timeoutArg] = process.argv.slice(2);
if (!urlArg || !tokensFile || !usersArg) throw new TypeError('usage: impulse.js <url> <tokens-file> <users> [timeout-s]');
const url = new URL(urlArg);
const tokens = readFileSync(tokensFile, 'utf8').split('\n').filter(Boolean);
const users = Math.min(Number(usersArg), tokens.length);
const timeoutMs = Number(timeoutArg ?? 60) * 1000;

const sockets: net.Socket[] = [];
let connectErrors = 0;
for (let start = 0; start < users; start += CONNECTING) {
  const batch = Array.from({ length: Math.min(CONNECTING, users - start) }, () =>
    new Promise<void>((resolve) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true });
      socket.once('connect', () => {
        sockets.push(socket);
        resolve();
      });
      socket.once('error', () => {
        connectErrors++;
        resolve();
      });
    }),
  );
  await Promise.all(batch);
}

const statuses: Record<string, number> = {};
const latencies: number[] = [];
const started = performance.now();
await new Promise<void>((resolve) => {
  let pending = sockets.length;
  if (pending === 0) resolve();
  const timer = setTimeout(() => sockets.forEach((socket) => socket.destroy()), timeoutMs);
  sockets.forEach((socket, i) => {
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      if (head.length < 16) head += chunk.toString('latin1', 0, 16);
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? (head ? 'bad-response' : 'no-response');
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === '200') latencies.push(performance.now() - started);
      if (--pending === 0) {
        clearTimeout(timer);
        resolve();
      }
    });
    socket.write(
      `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${tokens[i]}\r\nConnection: close\r\n\r\n`,
    );
  });
});

latencies.sort((a, b) => a - b);
const round = (ms: number | undefined): number | null => (ms === undefined ? null : Math.round(ms * 10) / 10);
process.stdout.write(
  `${JSON.stringify({
    users,
    connected: sockets.length,
    connectErrors,
    statuses,
    ok: latencies.length,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    lastOkMs: round(latencies.at(-1)),
    allMs: round(performance.now() - started),
  })}\n`,
);
