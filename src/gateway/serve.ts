// The serve half of the pipeline: key → lookup (hit / miss) → fetch → store → deliver, with
// request collapsing. A fresh hit is answered synchronously from pre-built bytes; everything that
// needs the origin returns a promise.
import type { JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { identityHeaders } from '../auth/identity.js';
import { collectUpTo, replay } from '../cache/body.js';
import { ageSeconds, type StoredResponse } from '../cache/entry.js';
import { assessResponse } from '../cache/freshness.js';
import { contentKey } from '../cache/key.js';
import type { MemoryStore } from '../cache/memory-store.js';
import type { SingleFlight } from '../cache/single-flight.js';
import { variantOf } from '../cache/vary.js';
import type { Metrics } from '../observability/metrics.js';
import { forwardRequestHeaders, responseHeaderList } from '../upstream/headers.js';
import { UpstreamError, type OriginClient, type OriginResponse } from '../upstream/origin.js';
import type { GatewayRequest, GatewayResponse } from './exchange.js';
import { CACHE_STATUS, notStoredStatus, upstreamFailure } from './responses.js';
import type { RoutePolicy } from './routes.js';

export interface ServeDeps {
  readonly store: MemoryStore;
  readonly flights: SingleFlight;
  readonly origin: OriginClient;
  /** Host header sent to the origin. */
  readonly originHost: string;
  /** Header names only Bouncer may set (identity headers): removed from every client request. */
  readonly reserved: ReadonlySet<string>;
  readonly maxObjectBytes: number;
  /** How long a key whose response was not storable is fetched without collapsing. */
  readonly uncacheableTtl: number;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now: () => number;
}

/** One request on its way through serve: what the earlier stages decided. */
export interface Exchange {
  readonly request: GatewayRequest;
  readonly route: RoutePolicy;
  readonly path: string;
  /** Query as forwarded (a token parameter removed). */
  readonly query: string;
  /** Verified claims (identity headers are made from them only when the origin is asked), or null. */
  readonly claims: Readonly<JWTPayload> | null;
  /** The partition claims' values, "" for an unpartitioned route. */
  readonly partition: string;
}

export type Serve = {
  /** Deliver from cache or fetch-and-store, for cacheable requests. */
  cached(exchange: Exchange): GatewayResponse | Promise<GatewayResponse>;
  /** Forward without the cache (uncacheable method, body, route without cache, denied-but-pass). */
  pass(exchange: Exchange, cacheStatus: string): Promise<GatewayResponse>;
};

export function createServe(deps: ServeDeps): Serve {
  const { store, flights, metrics, now } = deps;
  // Keys recently found not storable: fetched per request (no collapsing) until the mark expires.
  const uncacheable = new LRUCache<string, true>({ max: 10_000, ttl: deps.uncacheableTtl });
  const counted = {
    hit: metrics.requests.labels('hit'),
    miss: metrics.requests.labels('miss'),
    collapsed: metrics.requests.labels('collapsed'),
    pass: metrics.requests.labels('pass'),
  };

  function cached(exchange: Exchange): GatewayResponse | Promise<GatewayResponse> {
    const key = contentKey(exchange.path, exchange.query, exchange.partition);
    const entry = store.lookup(key, exchange.request.headers);
    const at = now();
    if (entry !== undefined && at < entry.freshUntil) {
      counted.hit.inc();
      return deliver(entry, exchange.request, CACHE_STATUS.hit, at);
    }
    return miss(exchange, key);
  }

  async function miss(exchange: Exchange, key: string): Promise<GatewayResponse> {
    const flight = flights.get(key);
    if (flight !== undefined) {
      metrics.collapsed.inc();
      const outcome = await flight;
      if (outcome.kind === 'failed') return upstreamFailure(outcome.status);
      if (outcome.kind === 'stored') {
        // Look again with this request's own headers: the stored variant may not be ours.
        const entry = store.lookup(key, exchange.request.headers);
        const at = now();
        if (entry !== undefined && at < entry.freshUntil) {
          counted.collapsed.inc();
          return deliver(entry, exchange.request, CACHE_STATUS.collapsed, at);
        }
      }
      return fetchAlone(exchange, key);
    }
    if (uncacheable.has(key)) return fetchAlone(exchange, key);
    return lead(exchange, key);
  }

  /** The first miss for a key: fetch for everyone, then tell the waiters what came of it. */
  async function lead(exchange: Exchange, key: string): Promise<GatewayResponse> {
    const settle = flights.start(key);
    try {
      const { response, stored } = await fetchForCache(exchange, key);
      settle({ kind: stored ? 'stored' : 'not-stored' });
      return response;
    } catch (error) {
      settle(error instanceof UpstreamError ? { kind: 'failed', status: error.status } : { kind: 'not-stored' });
      throw error;
    }
  }

  /** A miss that must not wait for others (uncacheable key, or a variant the flight did not get). */
  async function fetchAlone(exchange: Exchange, key: string): Promise<GatewayResponse> {
    const { response } = await fetchForCache(exchange, key);
    return response;
  }

  async function fetchForCache(exchange: Exchange, key: string): Promise<{ response: GatewayResponse; stored: boolean }> {
    const { request } = exchange;
    const upstream = await fetchOrigin(exchange, 'GET', null, true, 'fetch');
    const at = now();
    const assessment = assessResponse({
      path: exchange.path,
      requestHeaders: request.headers,
      status: upstream.status,
      responseHeaders: upstream.headers,
      routeTtl: exchange.route.ttl,
      now: at,
    });
    if (!assessment.storable) {
      uncacheable.set(key, true);
      metrics.stored.labels(assessment.reason).inc();
      counted.miss.inc();
      return { response: streamed(upstream, request, notStoredStatus(assessment.reason)), stored: false };
    }
    const declared = Number(upstream.headers['content-length'] ?? NaN);
    if (declared > deps.maxObjectBytes) {
      uncacheable.set(key, true);
      metrics.stored.labels('too-big').inc();
      counted.miss.inc();
      return { response: streamed(upstream, request, notStoredStatus('too-big')), stored: false };
    }
    const collected = await collectUpTo(upstream.body, deps.maxObjectBytes);
    if (!collected.complete) {
      uncacheable.set(key, true);
      metrics.stored.labels('too-big').inc();
      counted.miss.inc();
      const body = replay(collected.head, collected.rest);
      return { response: { status: upstream.status, headers: clientHeaders(upstream, notStoredStatus('too-big')), body: request.method === 'HEAD' ? null : body }, stored: false };
    }
    const headers = responseHeaderList(upstream.headers, { dropLength: true });
    headers.push('content-length', String(collected.body.length));
    const entry: StoredResponse = {
      status: upstream.status,
      headers,
      body: collected.body,
      responseTime: at,
      initialAge: assessment.initialAge,
      freshUntil: assessment.freshUntil,
      policy: assessment.policy,
      variant: assessment.vary ? variantOf(assessment.vary, request.headers) : '',
      etag: single(upstream.headers.etag),
      lastModified: single(upstream.headers['last-modified']),
      size: collected.body.length + headers.reduce((sum, h) => sum + h.length, 0) + 256,
    };
    store.store(key, entry, assessment.vary);
    uncacheable.delete(key);
    metrics.stored.labels('stored').inc();
    counted.miss.inc();
    return { response: deliver(entry, request, CACHE_STATUS.stored, at), stored: true };
  }

  async function pass(exchange: Exchange, cacheStatus: string): Promise<GatewayResponse> {
    const { request } = exchange;
    const upstream = await fetchOrigin(exchange, request.method, request.body, false, 'pass');
    counted.pass.inc();
    return streamed(upstream, request, cacheStatus);
  }

  async function fetchOrigin(
    exchange: Exchange,
    method: string,
    body: AsyncIterable<Uint8Array> | null,
    forCache: boolean,
    purpose: 'fetch' | 'pass',
  ): Promise<OriginResponse> {
    const { request } = exchange;
    try {
      const response = await deps.origin.request({
        method,
        path: exchange.query ? `${exchange.path}?${exchange.query}` : exchange.path,
        headers: forwardRequestHeaders(request.headers, {
          reserved: deps.reserved,
          identity: exchange.claims === null ? NO_IDENTITY : identityHeaders(exchange.claims, exchange.route.identityHeaders),
          host: deps.originHost,
          clientAddress: request.remoteAddress,
          secure: request.secure,
          forCache,
        }),
        body,
      });
      metrics.originRequests.labels(purpose, String(response.status)).inc();
      return response;
    } catch (error) {
      const failure = error instanceof UpstreamError ? error : new UpstreamError('BOUNCER_UPSTREAM_PROTOCOL', String(error), { cause: error });
      metrics.originRequests.labels(purpose, failure.code).inc();
      deps.log.warn({ err: failure.cause ?? failure, code: failure.code, path: exchange.path }, 'origin request failed');
      throw failure;
    }
  }

  return { cached, pass };
}

const NO_IDENTITY: ReadonlyArray<readonly [string, string]> = [];

/** A stored response as delivered: Age and Cache-Status added; HEAD gets the headers only. */
function deliver(entry: StoredResponse, request: GatewayRequest, cacheStatus: string, at: number): GatewayResponse {
  const headers = entry.headers.concat('age', String(ageSeconds(entry, at)), 'cache-status', cacheStatus);
  return { status: entry.status, headers, body: request.method === 'HEAD' ? null : entry.body };
}

function streamed(upstream: OriginResponse, request: GatewayRequest, cacheStatus: string): GatewayResponse {
  if (request.method === 'HEAD') upstream.abort();
  return {
    status: upstream.status,
    headers: clientHeaders(upstream, cacheStatus),
    body: request.method === 'HEAD' ? null : upstream.body,
  };
}

function clientHeaders(upstream: OriginResponse, cacheStatus: string): string[] {
  const headers = responseHeaderList(upstream.headers, { dropLength: false });
  headers.push('cache-status', cacheStatus);
  return headers;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
