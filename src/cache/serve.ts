// serve: the cache's state machine for an allowed request, named like the flow and Cache-Status.
//
//   lookup ─▶ hit ──────────────────────────────────────────────▶ deliver
//          ├▶ stale (stale-while-revalidate) ─▶ refresh behind ─▶ deliver
//          └▶ miss ─▶ collapse onto the flight under way, or lead one:
//                     fetch (or revalidate a stale entry) ─▶ store ─▶ deliver
//
// A fresh hit is answered synchronously from pre-built bytes (no promise, when the store answers
// synchronously); everything that needs the origin returns a promise. A crowd never waits on an
// expiry it can be spared: entries are refreshed ahead of expiry, served stale while one request
// revalidates, and stand in for a failing origin, each within the windows RFC 9111/5861 and the
// route allow. A shared fill carries only what the key covers (see forwarded.ts); a response that
// turns out not storable is fetched again for its client with the full identity, never delivered to
// someone it was not made for.
//
// An ESI page (Surrogate-Control: content="ESI/1.0", or a route's compose: esi) is stored once, with
// its template parsed at store time; every delivery of it goes to the injected composer, which fills
// it per request (compose/). An entry without a template is delivered as before: a plain hit stays
// synchronous and allocates nothing.
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { CACHE_STATUS, notStoredStatus, staleIfErrorStatus, type CacheWord } from '../http/cache-status.js';
import type { GatewayRequest, GatewayResponse, HeaderMap } from '../http/exchange.js';
import { isPromise } from '../http/exchange.js';
import { fieldValue } from '../http/fields.js';
import { PAGE_NOT_ASSEMBLED, upstreamFailure } from '../http/responses.js';
import type { PageComposer, PreparedPage, Template } from '../http/template.js';
import type { Allowed } from '../http/verdict.js';
import type { Metrics, OriginPurpose } from '../observability/metrics.js';
import { responseHeaderList } from '../upstream/headers.js';
import { UpstreamError, type OriginClient, type OriginResponse } from '../upstream/origin.js';
import { collectUpTo } from './body.js';
import { ageSeconds, deliver, NEVER_DELIVERED, streamed } from './deliver.js';
import { governingDirectives } from './directives.js';
import { newEntry } from './entry.js';
import { explainLookup, type CacheExplanation } from './explain.js';
import { Forwarded, type ForwardContext } from './forwarded.js';
import type { Timing } from './freshness.js';
import { contentKey, urlKey } from './key.js';
import { selects, updatedFields } from './revalidate.js';
import type { RouteCache } from './route-cache.js';
import type { FlightOutcome, SingleFlight } from './single-flight.js';
import { assess, type NotStorableReason } from './storable.js';
import type { CrossNodeFlight, Store, StoredEntry, StorePurge } from './store.js';
import { BodyTee } from './tee.js';
import { variantOf } from './vary.js';

export interface ServeDeps extends ForwardContext {
  readonly store: Store;
  /** The cache half of each route, by route index; `unmatched` for -1. */
  readonly routes: { readonly byRoute: readonly RouteCache[]; readonly unmatched: RouteCache };
  readonly flights: SingleFlight;
  /** With a store shared between nodes: one node fetches a missing key for all of them. */
  readonly crossNode?: { readonly flight: CrossNodeFlight; readonly waitMs: number } | undefined;
  readonly origin: OriginClient;
  readonly maxObjectBytes: number;
  /** How long a key whose response was not storable is forwarded without the cache. */
  readonly uncacheableTtl: number;
  /** Fraction of a lifetime before expiry within which a hit refreshes in the background. */
  readonly refreshAhead: number;
  /** Assembles ESI pages (compose/, wired to the pipeline by gateway/). */
  readonly composer: PageComposer;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now: () => number;
}

export type PurgeTarget = { readonly url: string } | { readonly prefix: string } | { readonly tag: string };

export interface WarmOutcome {
  readonly status: number;
  readonly stored: boolean;
  readonly bytes: number;
}

export interface Serve {
  /** The response for an allowed request: from the cache, or fetched (and stored), or passed through. */
  serve(verdict: Allowed): GatewayResponse | Promise<GatewayResponse>;
  /** Fetch and store one URL now (warming), whoever else is asking. */
  warm(verdict: Allowed): Promise<WarmOutcome>;
  /**
   * Drops what the store holds for a URL ("/p?q"), a path prefix or a tag; resolves with how many
   * responses went. memoryOnly: another node's purge, which reached the shared tier already.
   */
  purge(target: PurgeTarget, options?: { readonly memoryOnly?: boolean }): Promise<number>;
  /** What serving this request would do and why, read without doing any of it (nothing fetched or counted). */
  explain(verdict: Allowed): Promise<CacheExplanation>;
  /** Milliseconds this request waited for the origin's answers (its own fetches), for the access log; undefined: none. */
  originMs(request: GatewayRequest): number | undefined;
}

/** What a fetch for the cache produced: the response for its own client and the flight's outcome. */
interface Fetched {
  readonly response: GatewayResponse | Promise<GatewayResponse>;
  readonly outcome: Promise<FlightOutcome>;
  readonly stored: Promise<StoredEntry | null>;
}

/** Who a fetch is for: a client's miss (or its revalidation), a background refresh, a warm. */
type Purpose = 'miss' | 'refresh' | 'warm';

const NOT_STORED: Promise<FlightOutcome> = Promise.resolve({ kind: 'not-stored' });
const STORED: Promise<FlightOutcome> = Promise.resolve({ kind: 'stored' });
const NOTHING_STORED: Promise<StoredEntry | null> = Promise.resolve(null);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** RFC 5861 §4: the errors a stale response may stand in for. */
const ERROR_STATUSES = new Set([500, 502, 503, 504]);
/** Bodies up to this size are collected before the first client is answered; larger ones stream. */
const STREAM_THRESHOLD = 64 * 1024;
/** Bounds of the per-key marks (keys not storable, fields learned from Vary): entries and key bytes. */
const MARKS_MAX = 10_000;
const MARKS_MAX_BYTES = 16 * 1024 * 1024;

export function createServe(deps: ServeDeps): Serve {
  const { store, flights, metrics, now, log } = deps;
  // Keys recently found not storable, with the reason: forwarded with the full identity until it expires.
  const uncacheable = new LRUCache<string, NotStorableReason>({ max: MARKS_MAX, maxSize: MARKS_MAX_BYTES, sizeCalculation: (_, key) => key.length + 16, ttl: deps.uncacheableTtl });
  // Keys whose answers vary on fields a fill leaves out (identity headers, credentials): fills send them.
  const learned = new LRUCache<string, ReadonlySet<string>>({ max: MARKS_MAX, maxSize: MARKS_MAX_BYTES, sizeCalculation: (names, key) => key.length + 64 * names.size });
  const answered = Object.fromEntries((['hit', 'stale', 'revalidated', 'miss', 'collapsed', 'bypass'] as const).map((word) => [word, metrics.requests.labels(word)])) as Record<
    Exclude<CacheWord, 'denied' | 'error'>,
    ReturnType<Metrics['requests']['labels']>
  >;
  const errors = metrics.requests.labels('error');
  const { hotKeys } = metrics;
  // Per client request, the time its own origin fetches took (set only on the way to the origin).
  const originTimes = new WeakMap<GatewayRequest, number>();

  function ruleOf(verdict: Allowed): RouteCache {
    return verdict.route === -1 ? deps.routes.unmatched : deps.routes.byRoute[verdict.route]!;
  }

  function serve(verdict: Allowed): GatewayResponse | Promise<GatewayResponse> {
    const rule = ruleOf(verdict);
    if (verdict.access === 'unauthenticated') return pass(verdict, rule, CACHE_STATUS.unauthenticated);
    if (!isCacheable(verdict.request, rule)) return pass(verdict, rule, CACHE_STATUS.bypass);
    return lookup(verdict, rule);
  }

  // ── lookup ─▶ hit | stale | miss ───────────────────────────────────────────────────────────────

  function lookup(verdict: Allowed, rule: RouteCache): GatewayResponse | Promise<GatewayResponse> {
    const key = keyOf(verdict, rule);
    const forwarded = forwardedFor(verdict, rule, key);
    const found = storeGet(key, forwarded);
    if (isPromise(found)) return found.then((entry) => classify(verdict, rule, key, forwarded, entry));
    return classify(verdict, rule, key, forwarded, found);
  }

  function classify(verdict: Allowed, rule: RouteCache, key: string, forwarded: Forwarded, entry: StoredEntry | undefined): GatewayResponse | Promise<GatewayResponse> {
    hotKeys.offer(key, entry === undefined ? 0 : entry.body.byteLength);
    if (entry === undefined) return miss(verdict, rule, key, forwarded, undefined);
    const at = now();
    if (at < entry.freshUntil) {
      if (at >= entry.refreshAt) refreshInBackground(verdict, rule, key, entry);
      answered.hit.inc();
      return entry.template === undefined ? deliver(entry, verdict.request, CACHE_STATUS.hit, at) : composed(entry, entry.template, verdict, CACHE_STATUS.hit, at);
    }
    if (at < entry.staleWhileRevalidateUntil) {
      refreshInBackground(verdict, rule, key, entry);
      answered.stale.inc();
      return answer(entry, verdict, CACHE_STATUS.staleWhileRevalidate, at);
    }
    return miss(verdict, rule, key, forwarded, entry);
  }

  /** No usable entry: forward alone (a key known not storable), wait for the flight under way, or lead one. */
  async function miss(verdict: Allowed, rule: RouteCache, key: string, forwarded: Forwarded, stale: StoredEntry | undefined): Promise<GatewayResponse> {
    const reason = uncacheable.get(key);
    if (reason !== undefined) return forwardAlone(verdict, forwarded, notStoredStatus(reason));
    const flight = flights.get(key);
    if (flight === undefined) return lead(verdict, rule, key, forwarded, stale, 'miss');
    metrics.collapsed.inc();
    const waitedFrom = now();
    const outcome = await flight;
    if (outcome.kind === 'failed') return failedOrStale(verdict, stale, outcome.status, outcome.originStatus, outcome.cause, true);
    // Look again: the leader may have learned fields this key varies on, and the variant stored may not be ours.
    const again = forwardedFor(verdict, rule, key);
    if (outcome.kind === 'stored') {
      const entry = await storeGet(key, again);
      const at = now();
      // An entry fetched or revalidated while we waited answers us even if it must be revalidated
      // before its next use (no-cache, max-age=0): it is as current as the origin could make it.
      if (entry !== undefined && (at < entry.freshUntil || entry.responseTime >= waitedFrom)) {
        answered.collapsed.inc();
        return answer(entry, verdict, CACHE_STATUS.collapsed, at);
      }
    }
    const notStorable = uncacheable.get(key);
    if (notStorable !== undefined) return forwardAlone(verdict, again, notStoredStatus(notStorable));
    return (await fetchForCache(verdict, rule, key, again, stale, 'miss')).response;
  }

  /** Fetches for everyone waiting on this key; the flight settles when the store has (or has not) the response. */
  async function lead(verdict: Allowed, rule: RouteCache, key: string, forwarded: Forwarded, stale: StoredEntry | undefined, purpose: Purpose): Promise<GatewayResponse> {
    const settle = flights.start(key);
    const crossNode = deps.crossNode;
    let leading = false;
    if (crossNode !== undefined && purpose !== 'warm') {
      leading = await crossNode.flight.lead(key).catch((error: unknown) => {
        log.debug({ err: error, key }, 'cross-node lock not taken; fetching as if alone');
        return true; // Redis down: fetch as if alone
      });
      if (leading) {
        // Our lookup and our lock are two round trips: another node may have stored the key and
        // released its lock in between. Look once more before asking the origin again.
        const entry = await storeGet(key, forwardedFor(verdict, rule, key));
        const at = now();
        if (entry !== undefined && at < entry.freshUntil && (stale === undefined || entry.responseTime > stale.responseTime)) {
          crossNode.flight.landed(key);
          settle({ kind: 'stored' });
          if (purpose === 'miss') answered.collapsed.inc();
          return answer(entry, verdict, CACHE_STATUS.collapsed, at);
        }
      } else {
        // Another node fetches this key: wait for it to land in the shared tier, then answer from there.
        await crossNode.flight.landing(key, crossNode.waitMs);
        const entry = await storeGet(key, forwardedFor(verdict, rule, key));
        const at = now();
        if (entry !== undefined && (at < entry.freshUntil || entry.responseTime >= at - crossNode.waitMs)) {
          settle({ kind: 'stored' });
          if (purpose === 'miss') answered.collapsed.inc();
          return answer(entry, verdict, CACHE_STATUS.collapsed, at);
        }
        // Not stored (or too slow): fetch here after all.
      }
    }
    let fetched: Fetched;
    try {
      fetched = await fetchForCache(verdict, rule, key, forwarded, stale, purpose);
    } catch (error) {
      const failure = asUpstreamError(error);
      settle({ kind: 'failed', status: failure.status, originStatus: undefined, cause: failure.code });
      if (leading) crossNode!.flight.landed(key);
      if (purpose !== 'miss') throw failure;
      return failedOrStale(verdict, stale, failure.status, undefined, failure.code, false);
    }
    const done = (outcome: FlightOutcome) => {
      settle(outcome);
      if (leading) crossNode!.flight.landed(key);
    };
    fetched.outcome.then(done, () => done({ kind: 'not-stored' }));
    return fetched.response;
  }

  function refreshInBackground(verdict: Allowed, rule: RouteCache, key: string, entry: StoredEntry): void {
    if (flights.get(key) !== undefined) return;
    lead(verdict, rule, key, forwardedFor(verdict, rule, key), entry, 'refresh').catch((error: unknown) =>
      log.warn({ err: error, path: verdict.path }, 'background refresh failed; the stored response stays'),
    );
  }

  /** A failed fetch: the stale entry within its stale-if-error window, else 502/504 (logged with its cause). */
  function failedOrStale(verdict: Allowed, stale: StoredEntry | undefined, status: 502 | 504, originStatus: number | undefined, cause: string, collapsed: boolean): GatewayResponse | Promise<GatewayResponse> {
    const at = now();
    if (stale !== undefined && at < stale.staleIfErrorUntil) {
      answered.stale.inc();
      return answer(stale, verdict, staleIfErrorStatus(originStatus), at);
    }
    errors.inc();
    log.warn({ status, cause, path: verdict.path, collapsed }, `answered ${status}: the origin failed`);
    return upstreamFailure(status);
  }

  // ── fetch or revalidate ─▶ store ─▶ deliver ────────────────────────────────────────────────────

  async function fetchForCache(verdict: Allowed, rule: RouteCache, key: string, forwarded: Forwarded, stale: StoredEntry | undefined, purpose: Purpose): Promise<Fetched> {
    const { request } = verdict;
    const forClient = purpose === 'miss';
    const revalidating = stale !== undefined && (stale.etag !== undefined || stale.lastModified !== undefined);
    const headers = forwarded.fillHeaders();
    if (revalidating && stale.etag !== undefined) headers['if-none-match'] = stale.etag;
    if (revalidating && stale.lastModified !== undefined) headers['if-modified-since'] = stale.lastModified;
    const requestTime = now();
    const upstream = await fetchOrigin(verdict, headers, forClient ? (revalidating ? 'revalidate' : 'miss') : purpose, forClient);
    const timing: Timing = { requestTime, responseTime: now() };
    const at = timing.responseTime;

    if (upstream.status === 304 && revalidating) {
      upstream.abort();
      return revalidated(verdict, rule, key, forwarded, stale, upstream.headers, timing, purpose);
    }
    if (ERROR_STATUSES.has(upstream.status) && stale !== undefined && at < stale.staleIfErrorUntil) {
      upstream.abort();
      if (forClient) answered.stale.inc();
      return {
        response: answer(stale, verdict, staleIfErrorStatus(upstream.status), at),
        outcome: Promise.resolve({ kind: 'failed', status: 502, originStatus: upstream.status, cause: `origin answered ${upstream.status}` }),
        stored: NOTHING_STORED,
      };
    }

    const governing = governingDirectives(upstream.headers);
    const assessment = assess({ status: upstream.status, headers: upstream.headers, governing, credentialed: verdict.credentialed, rule, timing });
    if (assessment.storable && assessment.vary !== null) {
      // Vary names a field this fill left out: the answer is not the one the full request would get.
      const withheld = forwarded.withheld().filter((name) => assessment.vary!.includes(name));
      if (withheld.length > 0) {
        upstream.abort();
        learned.set(key, new Set([...(learned.get(key) ?? []), ...withheld]));
        return fetchForCache(verdict, rule, key, forwardedFor(verdict, rule, key), stale, purpose);
      }
    }
    const declared = Number(upstream.headers['content-length'] ?? NaN);
    const refusal = !assessment.storable ? assessment.reason : declared > deps.maxObjectBytes ? 'too-big' : undefined;
    if (refusal !== undefined) {
      uncacheable.set(key, refusal);
      metrics.stored.labels(refusal).inc();
      if (!forClient) {
        upstream.abort();
        return { response: streamed(upstream, request, notStoredStatus(refusal)), outcome: NOT_STORED, stored: NOTHING_STORED };
      }
      // Made for a fill that left out this client's identity or credentials: fetch theirs.
      if (refusal !== 'too-big' && forwarded.withheld().length > 0) {
        upstream.abort();
        return { response: await forwardAlone(verdict, forwarded, notStoredStatus(refusal)), outcome: NOT_STORED, stored: NOTHING_STORED };
      }
      answered.miss.inc();
      return { response: relay(verdict, rule, upstream, notStoredStatus(refusal)), outcome: NOT_STORED, stored: NOTHING_STORED };
    }

    // Stream to this client while collecting for the store; the flight settles once it is stored.
    const { lifetime, vary } = assessment as Extract<typeof assessment, { storable: true }>;
    const esi = isPage(upstream.headers, rule);
    const tee = new BodyTee(upstream.body, esi ? Math.min(deps.maxObjectBytes, deps.composer.maxPageBytes) : deps.maxObjectBytes);
    // An ESI page that cannot be assembled is not stored, and answered 502.
    let unassembled: Extract<PreparedPage, { ok: false }> | undefined;
    const stored = tee.complete.then(async (collected) => {
      if (collected === null) {
        uncacheable.set(key, 'too-big');
        metrics.stored.labels('too-big').inc();
        return null;
      }
      const page = esi ? deps.composer.prepare(collected, fieldValue(upstream.headers, 'content-encoding')) : undefined;
      if (page !== undefined && !page.ok) {
        unassembled = page;
        return null;
      }
      const body = page?.body ?? collected;
      // A decoded page is stored (and assembled) without its Content-Encoding.
      const headers = page === undefined || body === collected ? upstream.headers : { ...upstream.headers, 'content-encoding': undefined };
      const variant = vary === null ? '' : variantOf(vary, forwarded);
      const entry = newEntry({ status: upstream.status, headers, body, timing, governing, lifetime, vary, variant, refreshAhead: deps.refreshAhead, template: page?.template });
      // Waited for: other nodes are told the key landed only once the shared tier holds it.
      await storeSet(key, entry);
      uncacheable.delete(key);
      metrics.stored.labels('stored').inc();
      return entry;
    });
    const outcome = stored.then((entry): FlightOutcome => (entry === null ? { kind: 'not-stored' } : { kind: 'stored' }));
    if (forClient) answered.miss.inc();
    // A small body is waited for, so its client gets it as stored (with a length); a large one
    // streams. A page is always waited for: it is assembled from its template.
    if (forClient) await tee.beyond(esi ? Infinity : STREAM_THRESHOLD);
    const entry = tee.collected || esi ? await stored : null;
    if (entry !== null) return { response: answer(entry, verdict, CACHE_STATUS.stored, at), outcome, stored };
    if (esi) return { response: notAssembled(verdict, unassembled ?? tooBigPage()), outcome, stored };
    return { response: streamed(upstream, request, CACHE_STATUS.miss, tee.reader()), outcome, stored };
  }

  /** A 304 to our conditional request (RFC 9111 §4.3.4): the stored response updated, or fetched whole again. */
  function revalidated(
    verdict: Allowed,
    rule: RouteCache,
    key: string,
    forwarded: Forwarded,
    stale: StoredEntry,
    notModified: HeaderMap,
    timing: Timing,
    purpose: Purpose,
  ): Promise<Fetched> | Fetched {
    if (!selects(stale, notModified)) {
      // It does not answer for what we hold: drop that and fetch the whole response.
      storeDelete(key);
      return fetchForCache(verdict, rule, key, forwarded, undefined, purpose);
    }
    const fields = updatedFields(stale, notModified);
    const governing = governingDirectives(fields);
    // A Set-Cookie sent with the 304 is for the client whose request this is, never for the store.
    const cookies = purpose === 'miss' ? setCookieLines(notModified) : undefined;
    const assessment = assess({ status: stale.status, headers: fields, governing, credentialed: verdict.credentialed, rule, timing });
    const at = timing.responseTime;
    if (!assessment.storable) {
      // The update forbids storing (private, no-store…): this client still gets the confirmed response.
      storeDelete(key);
      uncacheable.set(key, assessment.reason);
      metrics.stored.labels(assessment.reason).inc();
      const once = newEntry({ status: stale.status, headers: fields, body: stale.body, timing, governing, lifetime: { initialAge: 0, freshMs: 0, staleWhileRevalidateMs: 0, staleIfErrorMs: 0 }, vary: null, variant: '', refreshAhead: 0, template: stale.template });
      if (purpose === 'miss') answered.revalidated.inc();
      return { response: answer(once, verdict, notStoredStatus(assessment.reason), at, cookies), outcome: NOT_STORED, stored: NOTHING_STORED };
    }
    const entry = newEntry({
      status: stale.status,
      headers: fields,
      body: stale.body,
      timing,
      governing,
      lifetime: assessment.lifetime,
      vary: assessment.vary,
      variant: assessment.vary === null ? '' : variantOf(assessment.vary, forwarded),
      refreshAhead: deps.refreshAhead,
      // The body is the one stored, so is its template.
      template: stale.template,
    });
    storeSet(key, entry);
    metrics.stored.labels('revalidated').inc();
    if (purpose === 'miss') answered.revalidated.inc();
    return { response: answer(entry, verdict, CACHE_STATUS.revalidated, at, cookies), outcome: STORED, stored: Promise.resolve(entry) };
  }

  // ── deliver, or assemble a page ────────────────────────────────────────────────────────────────

  /** A stored entry for this request: delivered as stored, or assembled when it is a page. */
  function answer(entry: StoredEntry, verdict: Allowed, cacheStatus: string, at: number, extra?: readonly string[]): GatewayResponse | Promise<GatewayResponse> {
    if (entry.template === undefined) return deliver(entry, verdict.request, cacheStatus, at, extra);
    return composed(entry, entry.template, verdict, cacheStatus, at, extra);
  }

  function composed(entry: StoredEntry, template: Template, verdict: Allowed, cacheStatus: string, at: number, extra?: readonly string[]): GatewayResponse | Promise<GatewayResponse> {
    const headers = entry.headers.concat('age', String(ageSeconds(entry, at)), 'cache-status', cacheStatus, ...(extra ?? []));
    return deps.composer.assemble({ status: entry.status, headers, body: entry.body, template }, verdict);
  }

  function isPage(headers: HeaderMap, rule: RouteCache): boolean {
    return rule.compose || deps.composer.marksPage(headers);
  }

  /** An origin response that is not stored, to its client: streamed, or (a page) read whole and assembled. */
  function relay(verdict: Allowed, rule: RouteCache, upstream: OriginResponse, cacheStatus: string): GatewayResponse | Promise<GatewayResponse> {
    if (!isPage(upstream.headers, rule)) return streamed(upstream, verdict.request, cacheStatus);
    return assembleOnce(verdict, upstream, cacheStatus);
  }

  async function assembleOnce(verdict: Allowed, upstream: OriginResponse, cacheStatus: string): Promise<GatewayResponse> {
    const headers = responseHeaderList({ ...upstream.headers, 'content-encoding': undefined }, { dropLength: true, drop: NEVER_DELIVERED });
    headers.push('cache-status', cacheStatus);
    if (verdict.request.method === 'HEAD') {
      upstream.abort();
      return deps.composer.assemble({ status: upstream.status, headers, body: new Uint8Array(0), template: { parts: [] } }, verdict);
    }
    const collected = await collectUpTo(upstream.body, deps.composer.maxPageBytes);
    if (!collected.complete) {
      upstream.abort();
      return notAssembled(verdict, tooBigPage());
    }
    const page = deps.composer.prepare(collected.body, fieldValue(upstream.headers, 'content-encoding'));
    if (!page.ok) return notAssembled(verdict, page);
    return deps.composer.assemble({ status: upstream.status, headers, body: page.body, template: page.template }, verdict);
  }

  function notAssembled(verdict: Allowed, failure: Extract<PreparedPage, { ok: false }>): GatewayResponse {
    metrics.composedPages.labels('failed').inc();
    log.warn({ cause: failure.code, path: verdict.path }, `answered 502: ${failure.message}`);
    return PAGE_NOT_ASSEMBLED;
  }

  function tooBigPage(): Extract<PreparedPage, { ok: false }> {
    return { ok: false, code: 'BOUNCER_ESI_TOO_BIG', message: `the page is larger than compose.maxPageBytes or cache.maxObjectBytes` };
  }

  // ── not stored: pass and forward ───────────────────────────────────────────────────────────────

  /** A request the cache does not answer: forwarded with the full identity; unsafe methods invalidate (RFC 9111 §4.4). */
  async function pass(verdict: Allowed, rule: RouteCache, cacheStatus: string): Promise<GatewayResponse> {
    const { request } = verdict;
    const headers = new Forwarded(verdict, rule, deps).fullHeaders();
    const upstream = await fetchOrigin(verdict, headers, 'pass', true, request.method, request.body);
    answered.bypass.inc();
    if (!SAFE_METHODS.has(request.method) && upstream.status < 400 && mayInvalidate(verdict)) await invalidate(verdict, upstream.headers);
    return relay(verdict, rule, upstream, cacheStatus);
  }

  /** One client's GET (or HEAD) whose answer is not stored: its full request, as the application would get it. */
  async function forwardAlone(verdict: Allowed, forwarded: Forwarded, cacheStatus: string): Promise<GatewayResponse> {
    const { request } = verdict;
    const upstream = await fetchOrigin(verdict, forwarded.fullHeaders(), 'miss', true, request.method, null);
    answered.miss.inc();
    return relay(verdict, ruleOf(verdict), upstream, cacheStatus);
  }

  /**
   * RFC 9111 §4.4: an unsafe request invalidates its target and a same-origin Location / Content-Location.
   * Only requests that passed the route's authentication: an anonymous POST must not keep a page cold.
   */
  async function invalidate(verdict: Allowed, headers: HeaderMap): Promise<void> {
    const targets = [urlKey(verdict.path, verdict.query)];
    for (const name of ['location', 'content-location']) {
      const target = sameOriginPath(single(headers[name]), verdict);
      if (target !== undefined) targets.push(urlKey(target.path, target.query));
    }
    let dropped = 0;
    for (const url of targets) dropped += await storePurge({ url });
    if (dropped > 0) metrics.stored.labels('invalidated').inc(dropped);
  }

  function sameOriginPath(value: string | undefined, verdict: Allowed): { path: string; query: string } | undefined {
    if (value === undefined) return undefined;
    try {
      const base = `http://${String(verdict.request.headers.host ?? deps.originHost)}`;
      const url = new URL(value, base + verdict.path);
      const sameHost = url.host === new URL(base).host || url.host === deps.originHost;
      return sameHost ? { path: url.pathname, query: url.search.slice(1) } : undefined;
    } catch {
      return undefined;
    }
  }

  // ── the origin and the store, whose faults never fail a response ──────────────────────────────

  async function fetchOrigin(
    verdict: Allowed,
    headers: Record<string, string | string[]>,
    purpose: OriginPurpose,
    forClient: boolean,
    method = 'GET',
    body: AsyncIterable<Uint8Array> | null = null,
  ): Promise<OriginResponse> {
    const { request } = verdict;
    const started = performance.now();
    try {
      const response = await deps.origin.request({
        method,
        path: verdict.query ? `${verdict.path}?${verdict.query}` : verdict.path,
        headers,
        body,
        onEarlyHints: forClient && request.earlyHints !== undefined ? (hints) => request.earlyHints!(hints) : undefined,
      });
      metrics.originRequests.labels(purpose, String(response.status)).inc();
      return response;
    } catch (error) {
      const failure = asUpstreamError(error);
      metrics.originRequests.labels(purpose, failure.code).inc();
      throw failure;
    } finally {
      if (forClient) originTimes.set(request, (originTimes.get(request) ?? 0) + performance.now() - started);
    }
  }

  function storeGet(key: string, forwarded: Forwarded): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    try {
      const found = store.get(key, forwarded);
      return isPromise(found) ? found.catch((error: unknown) => storeFault(error, 'get')) : found;
    } catch (error) {
      return storeFault(error, 'get');
    }
  }

  function storeSet(key: string, entry: StoredEntry): Promise<void> | undefined {
    try {
      const done = store.set(key, entry);
      if (isPromise(done)) return done.catch((error: unknown) => void storeFault(error, 'set'));
    } catch (error) {
      storeFault(error, 'set');
    }
    return undefined;
  }

  function storeDelete(key: string): void {
    try {
      const done = store.delete(key);
      if (isPromise(done)) done.catch((error: unknown) => storeFault(error, 'delete'));
    } catch (error) {
      storeFault(error, 'delete');
    }
  }

  async function storePurge(target: StorePurge, options?: { readonly memoryOnly?: boolean }): Promise<number> {
    try {
      return await store.purge(target, options);
    } catch (error) {
      storeFault(error, 'purge');
      return 0;
    }
  }

  /** A store that fails turns its operation into a miss (or a no-op), logged. */
  function storeFault(error: unknown, operation: string): undefined {
    metrics.storeFaults.labels(operation).inc();
    log.warn({ err: error, operation }, 'cache store failed; answering without it');
    return undefined;
  }

  function forwardedFor(verdict: Allowed, rule: RouteCache, key: string): Forwarded {
    return new Forwarded(verdict, rule, deps, learned, key);
  }

  async function warm(verdict: Allowed): Promise<WarmOutcome> {
    const rule = ruleOf(verdict);
    const key = keyOf(verdict, rule);
    const fetched = await fetchForCache(verdict, rule, key, forwardedFor(verdict, rule, key), undefined, 'warm');
    const entry = await fetched.stored;
    return { status: entry?.status ?? (await fetched.response).status, stored: entry !== null, bytes: entry?.body.byteLength ?? 0 };
  }

  async function purge(target: PurgeTarget, options?: { readonly memoryOnly?: boolean }): Promise<number> {
    let purged: number;
    if (!('url' in target)) purged = await storePurge(target, options);
    else {
      const q = target.url.indexOf('?');
      purged = await storePurge({ url: urlKey(q === -1 ? target.url : target.url.slice(0, q), q === -1 ? '' : target.url.slice(q + 1)) }, options);
    }
    if (purged > 0) metrics.stored.labels('purged').inc(purged);
    return purged;
  }

  async function explain(verdict: Allowed): Promise<CacheExplanation> {
    const rule = ruleOf(verdict);
    if (verdict.access === 'unauthenticated') return { action: 'pass', reason: 'unauthenticated', next: 'pass' };
    if (!rule.enabled) return { action: 'pass', reason: verdict.route === -1 ? 'no-route' : 'cache-disabled', next: 'pass' };
    const { request } = verdict;
    if (request.method !== 'GET' && request.method !== 'HEAD') return { action: 'pass', reason: 'method', next: 'pass' };
    if (request.body !== null) return { action: 'pass', reason: 'body', next: 'pass' };
    const key = keyOf(verdict, rule);
    // Peeks only: no recency moved in the marks or the store, no copy between tiers, no fault counted.
    const forwarded = new Forwarded(verdict, rule, deps, { get: (k) => learned.peek(k) }, key);
    let entry: StoredEntry | undefined;
    try {
      entry = await (store.peek ?? store.get).call(store, key, forwarded);
    } catch {
      entry = undefined; // a failing store is a miss for the request too
    }
    return explainLookup({ key, entry, notStored: uncacheable.peek(key), inFlight: flights.get(key) !== undefined, learnedFields: [...(learned.peek(key) ?? [])], now: now() });
  }

  return { serve, warm, purge, explain, originMs: (request) => originTimes.get(request) };
}

/** Only GET and HEAD without a body, on a route that caches, are served from or stored in the cache. */
function isCacheable(request: GatewayRequest, rule: RouteCache): boolean {
  return rule.enabled && (request.method === 'GET' || request.method === 'HEAD') && request.body === null;
}

/** Anonymous and unauthenticated requests do not invalidate on routes that read tokens. */
function mayInvalidate(verdict: Allowed): boolean {
  return verdict.access === 'user' || verdict.access === 'public';
}

/** The content key: URL, auth state, partition, and the values of the route's keyed headers. */
function keyOf(verdict: Allowed, rule: RouteCache): string {
  const access = verdict.access === 'user' ? 'user' : 'anonymous';
  if (rule.keyHeaders.length === 0) return contentKey(verdict.path, verdict.query, access, verdict.partition);
  return contentKey(verdict.path, verdict.query, access, verdict.partition, variantOf(rule.keyHeaders, { header: (name) => single(verdict.request.headers[name]) }));
}

function setCookieLines(headers: HeaderMap): string[] | undefined {
  const value = headers['set-cookie'];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).flatMap((line) => ['set-cookie', line]);
}

function asUpstreamError(error: unknown): UpstreamError {
  return error instanceof UpstreamError ? error : new UpstreamError('BOUNCER_UPSTREAM_PROTOCOL', String(error), { cause: error });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
