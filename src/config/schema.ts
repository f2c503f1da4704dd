// The configuration schema: one source of truth for keys, types, defaults and their documentation.
// Every object is strict (unknown keys are errors); values are parsed to their runtime form
// (durations in ms, sizes in bytes, addresses split) so nothing downstream re-parses them.
import { z } from 'zod';
import { duration, headerName, httpUrl, listen, pathPrefix, size } from './fields.js';
import { delegateSchema, recheckSchema } from './app-auth-schema.js';
import { jwtSchema } from './jwt-schema.js';
import { requireSchema } from './rules-schema.js';
import { signingSchema } from './signing-schema.js';

export const routeCacheSchema = z.strictObject({
  /** Store responses for this long even when the origin says nothing (never overrides private/no-store/Set-Cookie). */
  ttl: duration.optional(),
  /** false: never cache this route. */
  enabled: z.boolean().default(true),
  /**
   * Opt-in: store responses to requests that carry credentials (a token, Authorization) as shared
   * content even when the origin did not say public or s-maxage. Off by default, as RFC 9111 §3.5
   * requires; Bouncer has already authorised every request that will read the shared copy.
   */
  shareAuthenticated: z.boolean().default(false),
  /** Serve stale this long while one background request refreshes (when the origin does not say). */
  staleWhileRevalidate: duration.optional(),
  /** Serve stale this long when the origin is down, times out or answers 5xx (when the origin does not say). */
  staleIfError: duration.optional(),
  /** Heuristic freshness as a fraction of the time since Last-Modified, for responses without any. Off unless set. */
  heuristic: z.number().gt(0).max(1).optional(),
  /**
   * Request headers that become part of the key and are forwarded (otherwise unkeyed ones are
   * stripped). Compared folded (case, "_" as "-"); only the "-" spelling is forwarded.
   */
  keyHeaders: z.array(headerName.transform((name) => name.toLowerCase())).default([]),
});

/** Warming: URLs fetched at start and on a schedule, with a service identity, before the crowd comes. */
export const warmSchema = z.strictObject({
  /** Paths (with query) to warm, e.g. /api/v1/feed. */
  urls: z.array(z.string().regex(/^\//, 'must start with "/"')).min(1),
  /** For partitioned routes: the claim values to warm each URL for (one fetch per entry). */
  partitions: z.array(z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()]))).default([]),
  /** The sub claim of the service identity the warm requests carry. */
  subject: z.string().min(1).default('bouncer-warmer'),
  /** Repeat this often (besides at start); absent: only at start and on demand. */
  every: duration.optional(),
  /** Warm requests in flight at once. */
  concurrency: z.number().int().min(1).max(64).default(4),
});

export const routeSchema = z
  .strictObject({
    /** Path prefix, matched against the normalised path; first match wins. */
    path: pathPrefix,
    /**
     * required: a valid token is needed; optional: checked when present; off: not looked at;
     * delegate: the application's auth endpoint decides (see `delegate`).
     */
    auth: z.enum(['required', 'optional', 'off', 'delegate']).default('required'),
    /**
     * What to do with a request whose token is missing or bad, or that fails `require`: reject (401, or
     * 403 insufficient_scope for `require`) or pass (forward untouched, without identity, uncached).
     */
    onDenied: z.enum(['reject', 'pass']).default('reject'),
    cache: routeCacheSchema.optional(),
    /** Claims whose values split the shared cache (one copy per tenant, say); on a delegate route, identity header names. */
    partitionBy: z.array(z.string().min(1)).default([]),
    /** Claim name → request header sent to the origin. */
    identityHeaders: z.record(z.string().min(1), headerName).default({}),
    /** Name of a query parameter that may carry the token on this route (removed before forwarding). */
    tokenQueryParam: z.string().min(1).optional(),
    /**
     * Claim rules a valid token must meet, else 403 (see rules-schema.ts). Checked on every request,
     * before the cache: cached content never reaches a token that fails them. On a delegate route the
     * rules read the app's identity headers (lower-case names) as claims.
     */
    require: requireSchema.optional(),
    /** For auth: delegate — the application's auth endpoint (see app-auth-schema.ts). */
    delegate: delegateSchema.optional(),
    /** For auth: required/optional — also ask the application per token at most every N (hybrid mode). */
    recheck: recheckSchema.optional(),
    /** esi: every response of this route is an ESI page (as if it said Surrogate-Control: content="ESI/1.0"). */
    compose: z.literal('esi').optional(),
    /** Accept, instead of a token, a URL signed with a `signing` key (see signing-schema.ts). */
    signedUrls: z.boolean().default(false),
  })
  .superRefine((route, ctx) => {
    if ((route.auth === 'delegate') !== (route.delegate !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['delegate'], message: 'auth: delegate and a delegate block go together' });
    }
    if (route.auth === 'delegate' && Object.keys(route.identityHeaders).length > 0) {
      ctx.addIssue({ code: 'custom', path: ['identityHeaders'], message: 'a delegate route takes its identity headers from delegate.identityHeaders' });
    }
    if (route.recheck !== undefined && route.auth !== 'required' && route.auth !== 'optional') {
      ctx.addIssue({ code: 'custom', path: ['recheck'], message: 'recheck needs auth: required or optional' });
    }
    if (route.require !== undefined && route.auth === 'off') {
      ctx.addIssue({ code: 'custom', path: ['require'], message: 'require needs a route that looks at tokens (auth is off)' });
    }
    if (route.signedUrls && route.auth !== 'required' && route.auth !== 'optional') {
      ctx.addIssue({ code: 'custom', path: ['signedUrls'], message: 'signedUrls needs auth: required or optional' });
    }
  });

/** A logout path: exact path, optionally revoking every session of the user (its subject) instead of one token. */
const logoutPathSchema = z.union([
  pathPrefix.transform((path) => ({ path, all: false })),
  z.strictObject({ path: pathPrefix, all: z.boolean().default(false) }),
]);

export const logoutSchema = z.strictObject({
  /** Requests with a valid token on these exact paths revoke that token (or, with all: true, every token of its sub). */
  paths: z.array(logoutPathSchema).min(1),
  /** true: Bouncer answers 204 itself; false (default): the request then goes on to the application. */
  answer: z.boolean().default(false),
});

export const revocationSchema = z.strictObject({
  /**
   * The longest a token lives (exp − iat). A revocation by jti, subject or time is kept this long
   * after the time it names (a token revocation until the token's own exp): set it to the longest
   * token lifetime your issuers use.
   */
  maxTokenLifetime: duration.default(86_400_000),
  /** Revocations held at most; beyond, a new one is refused (503), never an old one dropped. */
  max: z.number().int().min(1).default(1_000_000),
  maxBytes: size.default(256 * 1024 * 1024),
});

const redisNode = z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });

export const redisSchema = z
  .strictObject({
    /** A single Redis (or a primary behind a proxy): redis://[user:pass@]host:port[/db]. */
    url: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
    /** Redis Cluster: the start-up nodes. */
    cluster: z.array(z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')).min(1).optional(),
    /** Redis Sentinel: the sentinels and the monitored master's name. */
    sentinels: z.array(redisNode).min(1).optional(),
    name: z.string().min(1).optional(),
    /** Passed through to ioredis (e.g. password, tls, db); see its documentation. */
    options: z.record(z.string(), z.unknown()).default({}),
    /** Prefix of every key and channel Bouncer uses (several gateways can share one Redis). */
    prefix: z.string().min(1).regex(/^[A-Za-z0-9:_-]+$/, 'letters, digits, ":", "_" and "-" only').default('bouncer'),
    /** A second cache tier in Redis behind the memory tier, shared by every node, with cross-node single flight. */
    sharedCache: z.boolean().default(false),
    /** Larger responses are kept in memory only. */
    maxObjectBytes: size.default(1024 * 1024),
    /** How long a node's fetch holds the cross-node lock of a key; waiters fetch alone after it. */
    lockTtl: duration.default(10_000),
    /**
     * wait: start listening only once the node has merged its revocations with Redis (no token is
     * judged on partial knowledge); serve: listen at once with the journal's knowledge, merge later.
     */
    startup: z.enum(['wait', 'serve']).default('wait'),
  })
  .superRefine((redis, ctx) => {
    const given = (['url', 'cluster', 'sentinels'] as const).filter((name) => redis[name] !== undefined);
    if (given.length !== 1) ctx.addIssue({ code: 'custom', message: `needs exactly one of url, cluster, sentinels (found ${given.length ? given.join(', ') : 'none'})` });
    if (redis.sentinels !== undefined && redis.name === undefined) ctx.addIssue({ code: 'custom', path: ['name'], message: 'sentinels need the master name' });
  });

/** Fragments: ESI pages assembled per request (src/compose/). */
export const composeSchema = z.strictObject({
  /** How deep includes nest: a page's includes are depth 1, their includes depth 2… */
  maxDepth: z.number().int().min(1).max(10).default(3),
  /** Includes one client request may cause in all (every depth together); a page with more is refused. */
  maxIncludes: z.number().int().min(1).max(1024).default(32),
  /** Largest ESI page (decoded) Bouncer assembles; a larger one is answered 502. */
  maxPageBytes: size.default(1024 * 1024),
});

/** The nginx auth_request companion: off unless set. */
export const companionSchema = z.strictObject({
  /** Answered on the public listener: GET with X-Original-Method and X-Original-URI. */
  path: pathPrefix.default('/_bouncer/auth'),
});

export const configSchema = z.strictObject({
  /** Public listener, host:port. */
  listen: listen.default({ host: '127.0.0.1', port: 8080 }),
  /** The origin, e.g. http://127.0.0.1:9000. */
  upstream: httpUrl,
  /** Processes serving the public listener: a number, or "auto" for one per core. */
  workers: z.union([z.literal('auto'), z.number().int().min(1).max(256)]).default(1),
  admin: z
    .strictObject({
      /** Health and metrics listener; never the public one. */
      listen: listen.default({ host: '127.0.0.1', port: 8081 }),
      /** Bearer secret for the admin API's operations (purge, warm, revoke, sign…), 16 characters or more from any source; without one they are refused. */
      secret: z.string().min(16, 'must be at least 16 characters').optional(),
      secretEnv: z.string().min(1).optional(),
      secretFile: z.string().min(1).optional(),
    })
    .refine((admin) => [admin.secret, admin.secretEnv, admin.secretFile].filter((v) => v !== undefined).length <= 1, 'at most one of secret, secretEnv, secretFile')
    .default({ listen: { host: '127.0.0.1', port: 8081 } }),
  jwt: jwtSchema,
  routes: z.array(routeSchema).default([]),
  /** Durable state: the revocation journal (one process or cluster per directory). */
  stateDir: z.string().min(1).default('./.bouncer'),
  /** Several nodes: revocations, purges and (sharedCache) a cache tier shared through Redis. Absent: one machine. */
  redis: redisSchema.optional(),
  logout: logoutSchema.optional(),
  revocation: revocationSchema.default({ maxTokenLifetime: 86_400_000, max: 1_000_000, maxBytes: 256 * 1024 * 1024 }),
  cache: z
    .strictObject({
      /** Memory budget for stored responses. */
      maxBytes: size.default(256 * 1024 * 1024),
      /** Larger responses are streamed and not stored. */
      maxObjectBytes: size.default(8 * 1024 * 1024),
      /** How long a key whose response was not storable skips request collapsing. */
      uncacheableTtl: duration.default(5_000),
      /**
       * Refresh ahead: a fresh entry requested within this fraction of its lifetime before expiry is
       * refreshed in the background, so a steady crowd never sees it expire. 0 turns it off.
       */
      refreshAhead: z.number().min(0).max(0.9).default(0.1),
      /**
       * RFC 9111 §4.2.4: when the origin cannot be reached or answers 500/502/503/504, a stored stale
       * response stands in for this long past its freshness, unless the response says
       * must-revalidate, proxy-revalidate, no-cache or s-maxage (or its own stale-if-error, or the
       * route's staleIfError, says otherwise). 0 turns it off.
       */
      staleOnError: duration.default(86_400_000),
    })
    .default({ maxBytes: 256 * 1024 * 1024, maxObjectBytes: 8 * 1024 * 1024, uncacheableTtl: 5_000, refreshAhead: 0.1, staleOnError: 86_400_000 }),
  warm: warmSchema.optional(),
  compose: composeSchema.default({ maxDepth: 3, maxIncludes: 32, maxPageBytes: 1024 * 1024 }),
  companion: companionSchema.optional(),
  signing: signingSchema.optional(),
  /**
   * Before the public listener opens, send this many synthetic requests through a throwaway copy of
   * the gateway (its own origin stub, key, caches and metrics), so that a crowd arriving right after
   * a start or restart meets compiled code. Nothing of it reaches the origin. 0: off. Measured on
   * Node, one core: 2,000 requests take about a second of start-up (bench/README.md).
   */
  warmUpRequests: z.number().int().min(0).max(100_000).default(0),
  timeouts: z
    .strictObject({
      /** TCP connect to the origin. */
      connect: duration.default(5_000),
      /** From request sent to response headers received. */
      headers: duration.default(30_000),
      /** Longest silence while the response body arrives. */
      body: duration.default(30_000),
      /** How long SIGTERM waits for in-flight requests. */
      shutdown: duration.default(10_000),
    })
    .default({ connect: 5_000, headers: 30_000, body: 30_000, shutdown: 10_000 }),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /**
       * One JSON line per request ("msg":"access": method, path, status, Cache-Status, how auth was
       * decided, duration, origin time), written whatever `level` says. Off by default; `sample`
       * logs that fraction of requests (0.01: one in a hundred, chosen at random). The companion's
       * answers are not logged (nginx logs those requests).
       */
      access: z
        .strictObject({ enabled: z.boolean().default(false), sample: z.number().gt(0).max(1).default(1) })
        .default({ enabled: false, sample: 1 }),
    })
    .default({ level: 'info', access: { enabled: false, sample: 1 } }),
}).superRefine((config, ctx) => {
  config.routes.forEach((route, index) => {
    if (route.signedUrls && config.signing === undefined) {
      ctx.addIssue({ code: 'custom', path: ['routes', index, 'signedUrls'], message: 'signedUrls needs a signing block with at least one key' });
    }
  });
});

export type Config = z.output<typeof configSchema>;
export type RouteConfig = z.output<typeof routeSchema>;
