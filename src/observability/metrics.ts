// The metrics registry. Counters are bumped at the transitions of the request flow
// (route → token → decide → lookup → fetch → store → deliver) through cells kept by the caller, so
// the hot path pays an addition, not a label lookup (see fast-metrics.ts).
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics.js';
import { HotKeys } from './hot-keys.js';

export const AUTH_OUTCOMES = [
  'none', // no token on a route that looks at tokens
  'malformed', // refused on sight (syntax, header, alg, key; a malformed delegate credential): no crypto, no app call, not remembered
  'cached_allow', // decision cache hit
  'cached_deny', // negative cache hit
  'verified_allow', // signature verified (a decision cache miss)
  'verified_deny',
  'forbidden', // valid token refused by the route's claim rules (403)
  'rate_limited', // client over the flood limit (429)
  'revoked', // a valid token that was revoked (logout, POST /revoke): 401
  'app_allow', // the app's auth endpoint allowed (remembered or asked) on a delegate route
  'app_deny', // the app denied (delegate or recheck)
  'signed_allow', // a signed URL verified on a signedUrls route
  'signed_deny', // a signed URL refused (expired, tampered, unknown key): 403
] as const;
export type AuthOutcome = (typeof AUTH_OUTCOMES)[number];

/**
 * Why Bouncer asked the origin: a client's miss (fetched to store, or forwarded because its key is
 * not storable), a client's revalidation of a stale entry, a background refresh (refresh ahead,
 * stale-while-revalidate), a warm, or a request the cache does not handle (pass).
 */
export const ORIGIN_PURPOSES = ['miss', 'revalidate', 'refresh', 'warm', 'pass'] as const;
export type OriginPurpose = (typeof ORIGIN_PURPOSES)[number];

export interface MetricsOptions {
  /**
   * Node's process metrics (event loop, GC, memory…); false for a throwaway registry (the twin
   * authorizer of an explain counts into one, so an explain counts nowhere that is read).
   */
  readonly process?: boolean;
}

export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  if (options.process !== false) collectDefaultMetrics({ register: registry, prefix: 'bouncer_process_' });

  const requests = new FastCounter<'cache_status'>({
    name: 'bouncer_requests_total',
    help: 'Client requests answered, by the word of their Cache-Status (hit, stale, revalidated, miss, collapsed, bypass, denied, error)',
    labelNames: ['cache_status'] as const,
    registry,
  });
  const auth = new FastCounter({
    name: 'bouncer_auth_decisions_total',
    help: 'Token decisions, by outcome',
    labelNames: ['outcome'] as const,
    registry,
  });
  const verifications = new FastCounter({
    name: 'bouncer_signature_verifications_total',
    help: 'Signature verifications performed (decision cache misses), by result',
    labelNames: ['result'] as const,
    registry,
  });
  const jwksRefresh = new FastCounter({
    name: 'bouncer_jwks_refresh_total',
    help: 'Remote JWKS fetches, by result (ok, failed)',
    labelNames: ['result'] as const,
    registry,
  });
  const appAuth = new FastCounter({
    name: 'bouncer_app_auth_requests_total',
    help: "Calls to the application's auth endpoint (delegate, recheck), by answer (allowed, denied, error)",
    labelNames: ['answer'] as const,
    registry,
  });
  const originRequests = new FastCounter({
    name: 'bouncer_origin_requests_total',
    help: 'Requests sent to the origin, by purpose (miss, revalidate, refresh, warm, pass) and result (status or error code)',
    labelNames: ['purpose', 'result'] as const,
    registry,
  });
  const collapsed = new FastCounter({
    name: 'bouncer_collapsed_waiters_total',
    help: 'Requests that waited for another request\'s origin fetch instead of making their own',
    registry,
  });
  const stored = new FastCounter({
    name: 'bouncer_cache_stores_total',
    help: 'Responses stored in the content cache (stored, revalidated), dropped (invalidated, purged), and refused (with the reason)',
    labelNames: ['result'] as const,
    registry,
  });
  const storeFaults = new FastCounter({
    name: 'bouncer_cache_store_faults_total',
    help: 'Cache store operations that failed and were answered without the store, by operation (get, set, delete, purge)',
    labelNames: ['operation'] as const,
    registry,
  });
  // Sizes read at scrape time from what assemble wires in (nothing on the request path).
  const sources: {
    revocations?: () => Readonly<Record<string, number>>;
    cache?: () => CacheReading;
    /** The decision caches: "jwt" (verified tokens) and "app" (the app's answers, every route summed). */
    decisions?: () => Record<'jwt' | 'app', CacheReading>;
  } = {};
  for (const [name, help, field] of [
    ['bouncer_decision_cache_entries', 'Decisions remembered now, by cache (jwt, app)', 'entries'],
    ['bouncer_decision_cache_bytes', 'Estimated heap of the remembered decisions (bounded by maxBytes), by cache (jwt, app)', 'bytes'],
  ] as const) {
    new Gauge({
      name,
      help,
      labelNames: ['cache'],
      registers: [registry],
      collect() {
        const readings = sources.decisions?.();
        if (readings === undefined) return;
        this.set({ cache: 'jwt' }, readings.jwt[field]);
        this.set({ cache: 'app' }, readings.app[field]);
      },
    });
  }
  new Gauge({
    name: 'bouncer_revocations',
    help: 'Revocations held, by kind (token, jti, sub, all)',
    labelNames: ['kind'],
    registers: [registry],
    // Every worker holds the whole set: summed over workers it would be counted once per worker.
    aggregator: 'max',
    collect() {
      for (const [kind, count] of Object.entries(sources.revocations?.() ?? {})) this.set({ kind }, count);
    },
  });
  new Gauge({
    name: 'bouncer_cache_objects',
    help: 'Responses (and Vary markers) held by the memory store',
    registers: [registry],
    collect() {
      this.set(sources.cache?.().entries ?? 0);
    },
  });
  new Gauge({
    name: 'bouncer_cache_bytes',
    help: 'Bytes the memory store holds (counted against cache.maxBytes)',
    registers: [registry],
    collect() {
      this.set(sources.cache?.().bytes ?? 0);
    },
  });
  const composedPages = new FastCounter({
    name: 'bouncer_compose_pages_total',
    help: 'ESI pages assembled for a request, by result (assembled, failed)',
    labelNames: ['result'] as const,
    registry,
  });
  const includes = new FastCounter({
    name: 'bouncer_compose_includes_total',
    help: 'ESI includes of assembled pages, by result (ok, alt, dropped, failed)',
    labelNames: ['result'] as const,
    registry,
  });
  const companion = new FastCounter({
    name: 'bouncer_companion_answers_total',
    help: 'Answers of the nginx auth_request companion endpoint, by status',
    labelNames: ['status'] as const,
    registry,
  });
  const duration = new FastHistogram({
    name: 'bouncer_request_duration_seconds',
    help: 'Time from request received to response headers handed to the front',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registry,
  });

  // Not a Prometheus metric (its keys are unbounded label values): read by /stats and the dashboard.
  const hotKeys = new HotKeys({ capacity: 64, sampleEvery: 16, maxKeyLength: 512 });

  return { registry, sources, requests, auth, verifications, jwksRefresh, appAuth, originRequests, collapsed, stored, storeFaults, composedPages, includes, companion, duration, hotKeys };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A decision cache's size as the gauges read it. */
export interface CacheReading {
  readonly entries: number;
  readonly bytes: number;
}

