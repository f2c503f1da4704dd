// A built-in origin that behaves like a slow PHP framework behind php-fpm: every request pays a fixed
// bootstrap delay inside one of a fixed number of slots, so its throughput is slots / bootMs
// (8 / 40 ms = 200 req/s). Used by the demo, the integration tests and the benchmarks, which count
// its hits through GET /__stats.
import http from 'node:http';
import { listenerUrl } from '../config/units.js';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { createSlotPool } from './slots.js';
import { HOME_PAGE, etagOf, feedBody } from './content.js';

export interface DemoOriginOptions {
  host?: string;
  port?: number;
  /** Simulated framework bootstrap per request, in ms. */
  bootMs?: number;
  /** Requests served at once (php-fpm max_children). */
  slots?: number;
  /** Requests allowed to wait for a slot; more are answered 503. */
  maxQueue?: number;
  /** HS256 secret: enables GET /auth, the application's own token check (the auth_request pattern). */
  secret?: string;
}

export interface DemoOriginStats {
  requests: number;
  byPath: Record<string, number>;
}

export interface DemoOrigin {
  url: string;
  port: number;
  stats(): DemoOriginStats;
  close(): Promise<void>;
}

const DEFAULTS = { host: '127.0.0.1', port: 0, bootMs: 40, slots: 8, maxQueue: 10_000 };
// Distinct paths counted one by one; the rest are counted under "(other)" so stats stay bounded.
const MAX_STAT_PATHS = 1_000;

export async function startDemoOrigin(options: DemoOriginOptions = {}): Promise<DemoOrigin> {
  const { host, port, bootMs, slots, maxQueue } = { ...DEFAULTS, ...options };
  const secret = options.secret === undefined ? undefined : new TextEncoder().encode(options.secret);
  const pool = createSlotPool(slots, maxQueue);
  const counts = new Map<string, number>();
  let requests = 0;

  const count = (path: string): void => {
    requests++;
    const key = counts.has(path) || counts.size < MAX_STAT_PATHS ? path : '(other)';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const stats = (): DemoOriginStats => ({ requests, byPath: Object.fromEntries(counts) });

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (path === '/__stats') {
      send(res, 200, { 'content-type': 'application/json', 'cache-control': 'no-store' }, JSON.stringify(stats()));
      return;
    }
    count(path);
    const accepted = pool.run((release) => {
      if (req.socket.destroyed) return release(); // gave up while queued
      const timer = setTimeout(() => {
        res.off('close', onClose);
        respond(req, res, path, secret).finally(release);
      }, bootMs);
      // A client that gives up frees its slot, as php-fpm does when nginx closes the FastCGI socket.
      const onClose = (): void => {
        clearTimeout(timer);
        release();
      };
      res.once('close', onClose);
    });
    if (!accepted) send(res, 503, { 'retry-after': '1' }, 'origin queue full\n');
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: listenerUrl(host, bound),
    port: bound,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function respond(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  secret: Uint8Array | undefined,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, { allow: 'GET, HEAD' }, 'method not allowed\n');
  } else if (path === '/') {
    send(res, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'public, max-age=10' }, HOME_PAGE);
  } else if (path === '/api/me') {
    const me = { userId: req.headers['x-user-id'] ?? null, tenantId: req.headers['x-tenant-id'] ?? null };
    send(res, 200, { 'content-type': 'application/json', 'cache-control': 'private' }, JSON.stringify(me));
  } else if (path.startsWith('/api/')) {
    const body = feedBody(path);
    const etag = etagOf(body);
    // A path ending in "-vary" is the same feed, varying on Accept-Encoding (for the cache benchmark).
    const headers = { 'content-type': 'application/json', 'cache-control': 'public, s-maxage=60', etag, ...(path.endsWith('-vary') && { vary: 'Accept-Encoding' }) };
    if (req.headers['if-none-match'] === etag) send(res, 304, headers, '');
    else send(res, 200, headers, body);
  } else if (path === '/auth' && secret !== undefined) {
    const userId = await verifiedSubject(req, secret);
    if (userId === undefined) send(res, 401, { 'cache-control': 'max-age=30' }, '');
    else send(res, 200, { 'cache-control': 'max-age=300', 'x-user-id': userId }, '');
  } else {
    send(res, 404, { 'content-type': 'text/plain' }, 'not found\n');
  }
}

async function verifiedSubject(req: http.IncomingMessage, secret: Uint8Array): Promise<string | undefined> {
  const auth = req.headers.authorization ?? '';
  const cookie = /(?:^|;\s*)token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const token = auth.startsWith('Bearer ') ? auth.slice(7) : cookie;
  if (!token) return undefined;
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
    return payload.sub;
  } catch {
    return undefined;
  }
}

function send(res: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders, body: string | Buffer): void {
  if (res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
