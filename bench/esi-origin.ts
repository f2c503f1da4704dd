// The origin of the `fragments` benchmark: a 1 KiB plain page, and a 1 KiB ESI page with two
// includes, one shared by everyone and one per user (made from X-User-Id), every answer shareable
// for an hour (nothing expires while measured). Prints {"msg":"listening","url":...} when ready.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const filler = (bytes: number) => 'x'.repeat(bytes);
const PLAIN = Buffer.from(`<html><body>${filler(1000)}</body></html>`);
const PAGE = Buffer.from(
  `<html><body><header><esi:include src="/api/v1/fragment-shared"/></header>${filler(900)}` +
    `<aside><esi:include src="/me/fragment"/></aside></body></html>`,
);
const SHARED = Buffer.from(`<nav>${filler(200)}</nav>`);
const SHAREABLE = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'public, max-age=3600' };

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (path === '/api/v1/page') res.writeHead(200, { ...SHAREABLE, 'surrogate-control': 'content="ESI/1.0"' }).end(PAGE);
  else if (path === '/api/v1/fragment-shared') res.writeHead(200, SHAREABLE).end(SHARED);
  else if (path === '/me/fragment') res.writeHead(200, SHAREABLE).end(`<p>Hello ${req.headers['x-user-id'] ?? 'nobody'}</p>`);
  else res.writeHead(200, SHAREABLE).end(PLAIN);
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
