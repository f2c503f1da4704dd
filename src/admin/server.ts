// The admin listener: health, metrics, and the write operations (purge, warm, sign) behind a bearer
// secret. On its own (loopback by default) address, never on the public listener.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { SigningError, type UrlSigner } from '../auth/signed-url.js';
import { parseDuration, listenerUrl } from '../config/units.js';
import type { PurgeTarget } from '../cache/serve.js';
import type { WarmSummary } from '../gateway/warm.js';

export interface AdminServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** What the admin API can ask of the gateway (every worker of it). */
export interface AdminActions {
  /** Drops matching responses; resolves with how many were dropped. */
  purge(target: PurgeTarget): Promise<number>;
  /** Warms the given URLs (or the configured warm list when none are given). */
  warm(request: WarmRequest): Promise<WarmSummary>;
}

export interface AdminOptions {
  readonly host: string;
  readonly port: number;
  /** Prometheus text and its content type. */
  readonly metrics: () => Promise<{ contentType: string; text: string }>;
  /** Extra health facts (e.g. cache size), merged into /healthz. */
  readonly health: () => Record<string, unknown>;
  /** Bearer secret for POST endpoints; undefined disables them. */
  readonly secret: string | undefined;
  readonly actions: AdminActions;
  /** Signs URLs (POST /sign); undefined without a signing section. */
  readonly signer?: UrlSigner | undefined;
}

const purgeSchema = z.union([
  z.strictObject({ url: z.string().regex(/^\//, 'must start with "/"') }),
  z.strictObject({ prefix: z.string().regex(/^\//, 'must start with "/"') }),
  z.strictObject({ tag: z.string().min(1) }),
]);

const warmRequestSchema = z.strictObject({
  urls: z.array(z.string().regex(/^\//, 'must start with "/"')).min(1).optional(),
  partitions: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))).optional(),
});
export type WarmRequest = z.output<typeof warmRequestSchema>;

const signRequestSchema = z.strictObject({
  path: z.string().regex(/^\//, 'must start with "/"'),
  /** A duration ("10m") or seconds. */
  ttl: z.union([z.string(), z.number()]),
  key: z.string().min(1).optional(),
  claims: z.record(z.string().min(1), z.unknown()).optional(),
});

const MAX_BODY = 64 * 1024;

export function startAdmin(options: AdminOptions): Promise<AdminServer> {
  const secretDigest = options.secret === undefined ? undefined : digest(options.secret);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method === 'GET' && path === '/healthz') return json(res, 200, { status: 'ok', ...options.health() });
    if (req.method === 'GET' && path === '/metrics') {
      const { contentType, text } = await options.metrics();
      return send(res, 200, contentType, text);
    }
    if (req.method === 'POST' && (path === '/purge' || path === '/warm' || path === '/sign')) {
      if (secretDigest === undefined) return json(res, 403, { error: 'admin API writes are disabled: configure admin.secret' });
      if (!authorised(req.headers.authorization, secretDigest)) {
        res.setHeader('www-authenticate', 'Bearer');
        return json(res, 401, { error: 'a valid admin bearer secret is required' });
      }
      const body = await readJson(req);
      if (path === '/sign') return sign(res, body);
      if (path === '/purge') {
        const target = purgeSchema.safeParse(body);
        if (!target.success) return json(res, 400, { error: 'expected {"url": "/..."}, {"prefix": "/..."} or {"tag": "..."}' });
        return json(res, 200, { purged: await options.actions.purge(target.data) });
      }
      const request = warmRequestSchema.safeParse(body ?? {});
      if (!request.success) return json(res, 400, { error: 'expected {"urls": ["/..."], "partitions": [{...}]}' });
      return json(res, 200, await options.actions.warm(request.data));
    }
    json(res, 404, { error: 'not found' });
  }

  /** {"path": "/p?q", "ttl": "10m", "key"?: "k1", "claims"?: {...}} → {"url": "/p?q&exp=…&sig=…", "expires": unix seconds} */
  function sign(res: ServerResponse, body: unknown): void {
    if (options.signer === undefined) return json(res, 404, { error: 'signed URLs are not configured: add a signing section' });
    const request = signRequestSchema.safeParse(body);
    const ttl = request.success ? parseDuration(request.data.ttl) : undefined;
    if (!request.success || ttl === undefined) return json(res, 400, { error: 'expected {"path": "/...", "ttl": "10m", "key": "k1", "claims": {...}}' });
    try {
      json(res, 200, options.signer.sign(request.data.path, ttl, { key: request.data.key, claims: request.data.claims }));
    } catch (error) {
      if (!(error instanceof SigningError)) throw error;
      json(res, 400, { error: error.message });
    }
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof BadBody) json(res, 400, { error: error.message });
      else json(res, 500, { error: 'internal error' });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      const { address, port } = server.address() as AddressInfo;
      resolve({
        host: address,
        port,
        url: listenerUrl(address, port),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

class BadBody extends Error {}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_BODY) throw new BadBody('body too large');
  }
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new BadBody('body is not JSON');
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant-time comparison of the presented bearer secret with the configured one. */
function authorised(header: string | undefined, secretDigest: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), secretDigest);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value));
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
