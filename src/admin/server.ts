// The admin listener: health, metrics, the live view (GET /stats, GET /dashboard), and the operations
// (purge, warm, revoke, the revocation list, sign, explain) behind a bearer secret. On its own
// (loopback by default) address, never on the public listener. What is readable without the secret
// (/healthz, /metrics, /stats, /dashboard) is what an operator watching the box needs; everything
// that changes state, lists revocations, signs or takes a token to explain needs the secret.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { parseDuration, listenerUrl } from '../config/units.js';
import type { RevokeRequest } from '../auth/revocation-authority.js';
import type { Revocation } from '../auth/revocations.js';
import { SigningError, type UrlSigner } from '../auth/signed-url.js';
import type { PurgeTarget } from '../cache/serve.js';

/** What a warm reports, per URL and partition and in sum (POST /warm). */
export interface WarmResult {
  readonly url: string;
  readonly partition: Readonly<Record<string, unknown>>;
  readonly status: number;
  readonly stored: boolean;
  readonly bytes: number;
  readonly error?: string;
}

export interface WarmSummary {
  readonly warmed: number;
  readonly failed: number;
  readonly bytes: number;
  readonly results: readonly WarmResult[];
}
import { DASHBOARD_ASSETS, DASHBOARD_CSP } from './dashboard.js';
import { answerOf, explainRequestOf, explainRequestSchema, type ExplainRequest, type Explanation } from './explain.js';
import { StatsHistory, type WorkerSnapshot } from './stats.js';

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
  /** Records a revocation; resolves (with the entries added) once a restart would still find it. */
  revoke(request: RevokeRequest): Promise<number>;
  /** The current revocations, one page. */
  revocations(offset: number, limit: number): RevocationPage;
  /** What each worker would do with the request and why, without doing it. */
  explain(request: ExplainRequest): Promise<readonly Explanation[]>;
}

export interface RevocationPage {
  readonly counts: Readonly<Record<string, number>>;
  readonly total: number;
  readonly entries: readonly Revocation[];
  /** The offset of the next page, when there is one. */
  readonly next?: number;
}

export interface AdminOptions {
  readonly host: string;
  readonly port: number;
  /** Prometheus text and its content type. */
  readonly metrics: () => Promise<{ contentType: string; text: string }>;
  /** Extra health facts (e.g. cache size), merged into /healthz. */
  readonly health: () => Record<string, unknown>;
  /** Every serving process's counters (GET /stats sums them and computes rates). */
  readonly stats: () => Promise<readonly WorkerSnapshot[]>;
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

const revokeSchema = z.union([
  z.strictObject({ token: z.string().min(1).max(64 * 1024) }),
  z.strictObject({ jti: z.string().min(1).max(4096) }),
  z.strictObject({ sub: z.string().min(1).max(4096), before: z.number().int().nonnegative().optional() }),
  z.strictObject({ before: z.number().int().nonnegative() }),
]);

const signRequestSchema = z.strictObject({
  path: z.string().regex(/^\//, 'must start with "/"'),
  /** A duration ("10m") or seconds. */
  ttl: z.union([z.string(), z.number()]),
  key: z.string().min(1).optional(),
  claims: z.record(z.string().min(1), z.unknown()).optional(),
});

const MAX_BODY = 64 * 1024;
const MAX_PAGE = 1000;

export function startAdmin(options: AdminOptions): Promise<AdminServer> {
  const secretDigest = options.secret === undefined ? undefined : digest(options.secret);
  const history = new StatsHistory();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method === 'GET' && path === '/healthz') return json(res, 200, { status: 'ok', ...options.health() });
    if (req.method === 'GET' && path === '/metrics') {
      const { contentType, text } = await options.metrics();
      return send(res, 200, contentType, text);
    }
    if (req.method === 'GET' && path === '/stats') return json(res, 200, history.stats(await options.stats()));
    const asset = req.method === 'GET' ? DASHBOARD_ASSETS.get(path ?? '') : undefined;
    if (asset !== undefined) {
      const { type, body } = asset();
      res.setHeader('content-security-policy', DASHBOARD_CSP);
      res.setHeader('x-content-type-options', 'nosniff');
      return send(res, 200, type, body);
    }
    const operation = OPERATIONS[`${req.method} ${path}`];
    if (operation !== undefined) {
      if (secretDigest === undefined) return json(res, 403, { error: 'admin API writes are disabled: configure admin.secret' });
      if (!authorised(req.headers.authorization, secretDigest)) {
        res.setHeader('www-authenticate', 'Bearer');
        return json(res, 401, { error: 'a valid admin bearer secret is required' });
      }
      return operation(req, res);
    }
    json(res, 404, { error: 'not found' });
  }

  /** The operations behind the bearer secret, by "METHOD /path". */
  const OPERATIONS: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
    'POST /purge': async (req, res) => {
      const target = purgeSchema.safeParse(await readJson(req));
      if (!target.success) return json(res, 400, { error: 'expected {"url": "/..."}, {"prefix": "/..."} or {"tag": "..."}' });
      json(res, 200, { purged: await options.actions.purge(target.data) });
    },
    'POST /warm': async (req, res) => {
      const request = warmRequestSchema.safeParse((await readJson(req)) ?? {});
      if (!request.success) return json(res, 400, { error: 'expected {"urls": ["/..."], "partitions": [{...}]}' });
      json(res, 200, await options.actions.warm(request.data));
    },
    'POST /revoke': async (req, res) => {
      const request = revokeSchema.safeParse(await readJson(req));
      if (!request.success) return json(res, 400, { error: 'expected {"token": "..."}, {"jti": "..."}, {"sub": "...", "before": <unix s>} or {"before": <unix s>}' });
      try {
        json(res, 200, { revoked: await options.actions.revoke(request.data) });
      } catch (error) {
        // Not acknowledged: the caller must try again (nothing was promised).
        json(res, (error as { code?: string }).code === 'BOUNCER_REVOCATIONS_FULL' ? 503 : 500, { error: `not recorded: ${(error as Error).message}` });
      }
    },
    'POST /sign': async (req, res) => sign(res, await readJson(req)),
    'POST /explain': async (req, res) => {
      const request = explainRequestSchema.safeParse(await readJson(req));
      if (!request.success) return json(res, 400, { error: 'expected {"url": "/...", "method"?, "token"?, "headers"?: {...}, "body"?: true, "client"?}' });
      json(res, 200, answerOf(await options.actions.explain(explainRequestOf(request.data))));
    },
    'GET /revocations': async (req, res) => {
      const query = new URL(req.url ?? '/', 'http://admin').searchParams;
      const offset = Math.max(0, Number(query.get('offset') ?? 0) | 0);
      const limit = Math.min(MAX_PAGE, Math.max(1, Number(query.get('limit') ?? 100) | 0));
      json(res, 200, options.actions.revocations(offset, limit));
    },
  };

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
