// The serve half of the pipeline: key → lookup (hit / stale / miss) → fetch or revalidate → store →
// deliver, with request collapsing. A fresh hit is answered synchronously from pre-built bytes;
// everything that needs the origin returns a promise. A crowd never waits on an expiry it can be
// spared: entries are refreshed ahead of expiry, served stale while one request revalidates, and
// stand in for a failing origin, each within the windows RFC 9111/5861 and the route allow.
import type { JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { identityHeaders } from '../auth/identity.js';
import { hasValidator, type StoredResponse } from '../cache/entry.js';
import { assessResponse, assessRevalidation, tagsOf, type Assessment, type Lifetime } from '../cache/freshness.js';
import { contentKey, urlKey } from '../cache/key.js';
import type { MemoryStore } from '../cache/memory-store.js';
import type { FlightOutcome, SingleFlight } from '../cache/single-flight.js';
import { BodyTee } from '../cache/tee.js';
import { parseVary, variantOf } from '../cache/vary.js';
import type { Metrics } from '../observability/metrics.js';
import { forwardRequestHeaders, responseHeaderList } from '../upstream/headers.js';
import { UpstreamError, type OriginClient, type OriginResponse } from '../upstream/origin.js';
import { deliver, streamed } from './deliver.js';
import type { GatewayRequest, GatewayResponse, HeaderMap } from './exchange.js';
import { CACHE_STATUS, notStoredStatus, staleIfErrorStatus, upstreamFailure } from './responses.js';
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
  /** Fraction of a lifetime before expiry within which a hit refreshes in the background. */
  readonly refreshAhead: number;
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
  /**
   * The verified identity, or null. Its claims are read only when the origin is asked (identity
   * headers): a remembered decision decodes them on first use, and a fresh hit needs none.
   */
  readonly identity: { readonly claims: Readonly<JWTPayload> } | null;
  /** The partition claims' values, "" for an unpartitioned route. */
  readonly partition: string;
  /** The request carried credentials (a token or Authorization): RFC 9111 §3.5 applies to storing. */
  readonly credentialed: boolean;
}

export interface Serve {
  /** Deliver from cache or fetch-and-store, for cacheable requests. */
  cached(exchange: Exchange): GatewayResponse | Promise<GatewayResponse>;
  /** Forward without the cache; unsafe methods invalidate what they target (RFC 9111 §4.4). */
  pass(exchange: Exchange, cacheStatus: string): Promise<GatewayResponse>;
  /** Fetch and store one URL now (warming), whoever else is asking. */
  warm(exchange: Exchange): Promise<{ status: number; stored: boolean; bytes: number }>;
  /** Drops what the store holds for a URL, a path prefix or a tag; returns how many responses went. */
  purge(target: PurgeTarget): number;
}

export type PurgeTarget = { readonly url: string } | { readonly prefix: string } | { readonly tag: string };

/** What a fetch for the cache produced: the response for its own client and the flight's outcome. */
interface Fetched {
  readonly response: GatewayResponse;
  readonly outcome: Promise<FlightOutcome>;
  readonly stored: Promise<StoredResponse | null>;
}

const NO_IDENTITY: ReadonlyArray<readonly [string, string]> = [];
const NOT_STORED: Promise<FlightOutcome> = Promise.resolve({ kind: 'not-stored' });
const NOTHING_STORED: Promise<StoredResponse | null> = Promise.resolve(null);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** Bodies up to this size are collected before the first client is answered; larger ones stream. */
const STREAM_THRESHOLD = 64 * 1024;

export function createServe(deps: ServeDeps): Serve {
  const { store, flights, metrics, now } = deps;
  // Keys recently found not storable: fetched per request (no collapsing) until the mark expires.
  const uncacheable = new LRUCache<string, true>({ max: 10_000, ttl: deps.uncacheableTtl });
  const counted = {
    hit: metrics.requests.labels('hit'),
    stale: metrics.requests.labels('stale'),
    miss: metrics.requests.labels('miss'),
    collapsed: metrics.requests.labels('collapsed'),
    pass: metrics.requests.labels('pass'),
  };

  function cached(exchange: Exchange): GatewayResponse | Promise<GatewayResponse> {
    const key = keyOf(exchange);
    const entry = store.lookup(key, exchange.request.headers);
    if (entry === undefined) return miss(exchange, key, undefined);
    const at = now();
    if (at < entry.freshUntil) {
      if (at >= entry.refreshAt) refreshInBackground(exchange, key, entry);
      counted.hit.inc();
      return deliver(entry, exchange.request, CACHE_STATUS.hit, at);
    }
    if (at < entry.staleWhileRevalidateUntil) {
      refreshInBackground(exchange, key, entry);
      counted.stale.inc();
      return deliver(entry, exchange.request, CACHE_STATUS.staleWhileRevalidate, at);
    }
    return miss(exchange, key, entry);
  }

  /** No usable entry: wait for the flight under way, or lead one. `stale` may still be revalidated. */
  async function miss(exchange: Exchange, key: string, stale: StoredResponse | undefined): Promise<GatewayResponse> {
    const flight = flights.get(key);
    if (flight !== undefined) {
      metrics.collapsed.inc();
      const waitedFrom = now();
      const outcome = await flight;
      if (outcome.kind === 'failed') return failedOrStale(exchange, stale, outcome.status, outcome.originStatus);
      if (outcome.kind === 'stored') {
        // Look again with this request's own headers: the stored variant may not be ours. An entry
        // fetched or revalidated while we waited answers us even if it must be revalidated before
        // its next use (no-cache, max-age=0): it is as current as the origin could make it.
        const entry = store.lookup(key, exchange.request.headers);
        const at = now();
        if (entry !== undefined && (at < entry.freshUntil || entry.responseTime >= waitedFrom)) {
          counted.collapsed.inc();
          return deliver(entry, exchange.request, CACHE_STATUS.collapsed, at);
        }
      }
      return (await fetchForCache(exchange, key, stale, false)).response;
    }
    if (uncacheable.has(key)) return (await fetchForCache(exchange, key, stale, false)).response;
    return lead(exchange, key, stale, false);
  }

  /** Fetches for everyone waiting on this key; the flight settles when the store has (or has not) the response. */
  async function lead(exchange: Exchange, key: string, stale: StoredResponse | undefined, background: boolean): Promise<GatewayResponse> {
    const settle = flights.start(key);
    let fetched: Fetched;
    try {
      fetched = await fetchForCache(exchange, key, stale, background);
    } catch (error) {
      const failure = asUpstreamError(error);
      settle({ kind: 'failed', status: failure.status, originStatus: undefined });
      return failedOrStale(exchange, stale, failure.status, undefined);
    }
    fetched.outcome.then(settle, () => settle({ kind: 'not-stored' }));
    return fetched.response;
  }

  function refreshInBackground(exchange: Exchange, key: string, entry: StoredResponse): void {
    if (flights.get(key) !== undefined) return;
    lead(exchange, key, entry, true).catch((error: unknown) => deps.log.warn({ err: error, key }, 'background refresh failed'));
  }

  /** A failed fetch: the stale entry within its stale-if-error window, else 502/504. */
  function failedOrStale(exchange: Exchange, stale: StoredResponse | undefined, status: 502 | 504, originStatus: number | undefined): GatewayResponse {
    const at = now();
    if (stale !== undefined && at < stale.staleIfErrorUntil) {
      counted.stale.inc();
      return deliver(stale, exchange.request, staleIfErrorStatus(originStatus), at);
    }
    return upstreamFailure(status);
  }

  async function fetchForCache(exchange: Exchange, key: string, stale: StoredResponse | undefined, background: boolean): Promise<Fetched> {
    const { request } = exchange;
    const revalidating = stale !== undefined && hasValidator(stale);
    const upstream = await fetchOrigin(exchange, 'GET', null, revalidating ? stale : undefined, revalidating ? 'revalidate' : 'fetch');
    const at = now();

    if (upstream.status === 304 && revalidating) {
      upstream.abort();
      const refreshed = revalidated(exchange, stale, upstream.headers, at);
      if (refreshed !== undefined) {
        store.store(key, refreshed, parseVaryList(refreshed));
        metrics.stored.labels('revalidated').inc();
        counted.miss.inc();
        return { response: deliver(refreshed, request, CACHE_STATUS.revalidated, at), outcome: Promise.resolve({ kind: 'stored' }), stored: Promise.resolve(refreshed) };
      }
      // A 304 that does not match what we hold: drop it and fetch the whole response.
      store.deleteKey(key);
      return fetchForCache(exchange, key, undefined, background);
    }
    if (upstream.status >= 500 && stale !== undefined && at < stale.staleIfErrorUntil) {
      upstream.abort();
      counted.stale.inc();
      return {
        response: deliver(stale, request, staleIfErrorStatus(upstream.status), at),
        outcome: Promise.resolve({ kind: 'failed', status: 502, originStatus: upstream.status }),
        stored: NOTHING_STORED,
      };
    }

    const assessment = assessResponse({
      path: exchange.path,
      requestHeaders: request.headers,
      credentialed: exchange.credentialed,
      status: upstream.status,
      responseHeaders: upstream.headers,
      rule: exchange.route.cache,
    });
    const declared = Number(upstream.headers['content-length'] ?? NaN);
    const refusal = !assessment.storable ? assessment.reason : declared > deps.maxObjectBytes ? 'too-big' : undefined;
    if (refusal !== undefined) {
      uncacheable.set(key, true);
      metrics.stored.labels(refusal).inc();
      counted.miss.inc();
      if (background) upstream.abort();
      return { response: streamed(upstream, request, notStoredStatus(refusal)), outcome: NOT_STORED, stored: NOTHING_STORED };
    }

    // Stream to this client while collecting for the store; the flight settles once it is stored.
    const tee = new BodyTee(upstream.body, deps.maxObjectBytes);
    const stored = tee.complete.then((body) => {
      if (body === null) {
        uncacheable.set(key, true);
        metrics.stored.labels('too-big').inc();
        return null;
      }
      const entry = newEntry(exchange, upstream, assessment as Extract<Assessment, { storable: true }>, body, at);
      store.store(key, entry, (assessment as Extract<Assessment, { storable: true }>).vary);
      uncacheable.delete(key);
      metrics.stored.labels('stored').inc();
      return entry;
    });
    counted.miss.inc();
    const outcome = stored.then((entry): FlightOutcome => (entry === null ? { kind: 'not-stored' } : { kind: 'stored' }));
    // A small body is waited for, so its client gets it as stored (with a length); a large one streams.
    if (!background) await tee.beyond(STREAM_THRESHOLD);
    const entry = tee.collected ? await stored : null;
    if (entry !== null) return { response: deliver(entry, request, CACHE_STATUS.stored, at), outcome, stored };
    return { response: streamed(upstream, request, CACHE_STATUS.miss, tee.reader()), outcome, stored };
  }

  function newEntry(exchange: Exchange, upstream: OriginResponse, assessment: Extract<Assessment, { storable: true }>, body: Buffer, at: number): StoredResponse {
    const headers = deliveredHeaders(upstream.headers);
    headers.push('content-length', String(body.length));
    return {
      status: upstream.status,
      headers,
      body,
      responseTime: at,
      initialAge: assessment.initialAge,
      ...timesOf(assessment.lifetime, at),
      policy: assessment.policy,
      variant: assessment.vary ? variantOf(assessment.vary, exchange.request.headers) : '',
      etag: single(upstream.headers.etag),
      lastModified: single(upstream.headers['last-modified']),
      tags: tagsOf(upstream.headers),
      size: body.length + headers.reduce((sum, h) => sum + h.length, 0) + 512,
      hitMemo: undefined,
    };
  }

  /** RFC 9111 §4.3.4: the stored response, its headers updated from the 304, fresh again. */
  function revalidated(exchange: Exchange, stale: StoredResponse, headers: HeaderMap, at: number): StoredResponse | undefined {
    const result = assessRevalidation(stale.policy, { path: exchange.path, requestHeaders: exchange.request.headers, responseHeaders: headers, rule: exchange.route.cache });
    if (result === undefined) return undefined;
    const list = deliveredHeaders(result.headers);
    list.push('content-length', String(stale.body.length));
    return {
      ...stale,
      headers: list,
      responseTime: at,
      initialAge: result.initialAge,
      ...timesOf(result.lifetime, at),
      policy: result.policy,
      etag: single(result.headers.etag) ?? stale.etag,
      lastModified: single(result.headers['last-modified']) ?? stale.lastModified,
      hitMemo: undefined,
    };
  }

  function timesOf(lifetime: Lifetime, at: number) {
    const freshUntil = at + lifetime.freshMs;
    return {
      freshUntil,
      refreshAt: deps.refreshAhead > 0 && lifetime.freshMs > 0 ? freshUntil - lifetime.freshMs * deps.refreshAhead : Infinity,
      staleWhileRevalidateUntil: freshUntil + lifetime.staleWhileRevalidateMs,
      staleIfErrorUntil: freshUntil + lifetime.staleIfErrorMs,
    };
  }

  async function pass(exchange: Exchange, cacheStatus: string): Promise<GatewayResponse> {
    const { request } = exchange;
    const upstream = await fetchOrigin(exchange, request.method, request.body, undefined, 'pass');
    counted.pass.inc();
    if (!SAFE_METHODS.has(request.method) && upstream.status < 400) invalidate(exchange, upstream.headers);
    return streamed(upstream, request, cacheStatus);
  }

  /** RFC 9111 §4.4: an unsafe request invalidates its target and a same-origin Location / Content-Location. */
  function invalidate(exchange: Exchange, headers: HeaderMap): void {
    let dropped = store.purgeUrl(urlKey(exchange.path, exchange.query));
    for (const name of ['location', 'content-location']) {
      const target = sameOriginPath(single(headers[name]), exchange);
      if (target !== undefined) dropped += store.purgeUrl(urlKey(target.path, target.query));
    }
    if (dropped > 0) metrics.stored.labels('invalidated').inc(dropped);
  }

  function sameOriginPath(value: string | undefined, exchange: Exchange): { path: string; query: string } | undefined {
    if (value === undefined) return undefined;
    try {
      const base = `http://${String(exchange.request.headers.host ?? deps.originHost)}`;
      const url = new URL(value, base + exchange.path);
      const sameHost = url.host === new URL(base).host || url.host === deps.originHost;
      return sameHost ? { path: url.pathname, query: url.search.slice(1) } : undefined;
    } catch {
      return undefined;
    }
  }

  async function warm(exchange: Exchange) {
    const key = keyOf(exchange);
    const fetched = await fetchForCache(exchange, key, undefined, true);
    const entry = await fetched.stored;
    return { status: entry?.status ?? (fetched.response.status as number), stored: entry !== null, bytes: entry?.body.length ?? 0 };
  }

  function purge(target: PurgeTarget): number {
    if ('tag' in target) return store.purgeTag(target.tag);
    if ('prefix' in target) return store.purgePrefix(target.prefix);
    const q = target.url.indexOf('?');
    return store.purgeUrl(urlKey(q === -1 ? target.url : target.url.slice(0, q), q === -1 ? '' : target.url.slice(q + 1)));
  }

  async function fetchOrigin(
    exchange: Exchange,
    method: string,
    body: AsyncIterable<Uint8Array> | null,
    revalidate: StoredResponse | undefined,
    purpose: 'fetch' | 'revalidate' | 'pass',
  ): Promise<OriginResponse> {
    const { request } = exchange;
    const headers = forwardRequestHeaders(request.headers, {
      reserved: deps.reserved,
      keyed: exchange.route.cache.keyHeaders,
      identity:
        exchange.identity === null || !hasAny(exchange.route.identityHeaders)
          ? NO_IDENTITY
          : identityHeaders(exchange.identity.claims, exchange.route.identityHeaders),
      host: deps.originHost,
      clientAddress: request.remoteAddress,
      secure: request.secure,
      forCache: purpose !== 'pass',
    });
    if (revalidate?.etag !== undefined) headers['if-none-match'] = revalidate.etag;
    if (revalidate?.lastModified !== undefined) headers['if-modified-since'] = revalidate.lastModified;
    try {
      const response = await deps.origin.request({ method, path: exchange.query ? `${exchange.path}?${exchange.query}` : exchange.path, headers, body });
      metrics.originRequests.labels(purpose, String(response.status)).inc();
      return response;
    } catch (error) {
      const failure = asUpstreamError(error);
      metrics.originRequests.labels(purpose, failure.code).inc();
      deps.log.warn({ err: failure.cause ?? failure, code: failure.code, path: exchange.path }, 'origin request failed');
      throw failure;
    }
  }

  return { cached, pass, warm, purge };
}

/** The content key: URL, partition, and the values of the route's keyed headers. */
function keyOf(exchange: Exchange): string {
  const keyHeaders = exchange.route.cache.keyHeaders;
  if (keyHeaders.length === 0) return contentKey(exchange.path, exchange.query, exchange.partition);
  return contentKey(exchange.path, exchange.query, exchange.partition + '\u0003' + variantOf(keyHeaders, exchange.request.headers));
}

// Recomputed per delivery (age, content-length) or internal to the cache (purge labels).
const NOT_STORED_HEADERS = new Set(['age', 'surrogate-key', 'cache-tag']);

/** Origin headers as stored: hop-by-hop headers and NOT_STORED_HEADERS removed. */
function deliveredHeaders(headers: HeaderMap): string[] {
  const list = responseHeaderList(headers, { dropLength: true });
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) {
    if (!NOT_STORED_HEADERS.has(list[i]!)) out.push(list[i]!, list[i + 1]!);
  }
  return out;
}

function parseVaryList(entry: StoredResponse): string[] | null {
  for (let i = 0; i < entry.headers.length; i += 2) {
    if (entry.headers[i] === 'vary') {
      const vary = parseVary(entry.headers[i + 1]);
      return vary === '*' ? null : vary;
    }
  }
  return null;
}

/** A route without identity headers sends none, and needs no claims decoded for it. */
function hasAny(mapping: Readonly<Record<string, string>>): boolean {
  for (const _ in mapping) return true;
  return false;
}

function asUpstreamError(error: unknown): UpstreamError {
  return error instanceof UpstreamError ? error : new UpstreamError('BOUNCER_UPSTREAM_PROTOCOL', String(error), { cause: error });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
