// The baseline for the hot-path benchmark: a bare node:http server answering the demo origin's feed
// bytes and headers, with no auth and no cache logic. Prints {"msg":"listening","url":...} when ready.
// `bare-server.js PORT coalesce` writes its answers the way Bouncer's node front does: together, once
// the poll phase that read their requests is over (src/fronts/node.ts), for a like-for-like ratio.
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { etagOf, feedBody } from '../src/demo/content.js';

const body = feedBody('/api/v1/feed');
const headers = {
  'content-type': 'application/json',
  'cache-control': 'public, s-maxage=60',
  etag: etagOf(body),
  'content-length': body.length,
};

function answer(res: ServerResponse): void {
  res.writeHead(200, headers);
  res.end(body);
}

let batch: ServerResponse[] = [];
function answerBatch(): void {
  const waiting = batch;
  batch = [];
  for (const res of waiting) answer(res);
}

const coalesce = process.argv[3] === 'coalesce';
const server = http.createServer((_req, res) => {
  if (!coalesce) answer(res);
  else if (batch.push(res) === 1) setImmediate(answerBatch);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` })}\n`);
});
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
