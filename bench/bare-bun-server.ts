// The hot-path baseline on Bun: a bare Bun.serve answering the demo origin's feed bytes and headers,
// with no auth and no cache logic (the Bun twin of bare-server.ts). Headers and body are built once.
import { etagOf, feedBody } from '../src/demo/content.js';
import { bunRuntime } from '../src/fronts/bun-runtime.js';

const bun = bunRuntime();
if (bun === undefined) throw new TypeError('bare-bun-server.ts runs on Bun');
const feed = feedBody('/api/v1/feed');
const body = new Uint8Array(feed);
const init = {
  headers: {
    'content-type': 'application/json',
    'cache-control': 'public, s-maxage=60',
    etag: etagOf(feed),
  },
};
const server = bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.argv[2] ?? 0),
  fetch: () => new Response(body, init),
});
process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${server.port}` })}\n`);
process.once('SIGTERM', () => void server.stop(true).then(() => process.exit(0)));
