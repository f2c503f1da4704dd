// GET /stats: what the dashboard shows, as JSON. Each serving process reads its own counters into a
// snapshot (plain data: in a cluster it crosses the IPC bus); the admin listener sums the snapshots
// of every worker and turns the difference from an earlier snapshot into rates. Reading costs the
// request path nothing: the counters are the metrics' own cells, read when someone asks.
import { keyParts } from '../cache/key.js';
import { CACHE_WORDS } from '../http/cache-status.js';
import type { HistogramSnapshot } from '../observability/fast-metrics.js';
import type { HotKey } from '../observability/hot-keys.js';
import { AUTH_OUTCOMES, ORIGIN_PURPOSES, type Metrics } from '../observability/metrics.js';

type Counts = Record<string, number>;

/** One process's counters since it started. */
export interface WorkerSnapshot {
  readonly pid: number;
  /** Epoch ms the snapshot was taken, and the process started. */
  readonly at: number;
  readonly startedAt: number;
  readonly requests: Counts;
  readonly auth: Counts;
  readonly verifications: Counts;
  /** Origin requests by purpose (summed over results). */
  readonly origin: Counts;
  readonly collapsed: number;
  readonly stores: Counts;
  readonly storeFaults: number;
  readonly latency: HistogramSnapshot;
  readonly cache: { readonly objects: number; readonly bytes: number };
  readonly revocations: Counts;
  readonly hotKeys: readonly HotKey[];
}

/** Hot keys each snapshot carries, and the dashboard shows. */
const HOT_KEYS = 20;

export function snapshotOf(metrics: Metrics, startedAt: number, now = Date.now()): WorkerSnapshot {
  return {
    pid: process.pid,
    at: now,
    startedAt,
    requests: byLabel(metrics.requests.values(), 'cache_status'),
    auth: byLabel(metrics.auth.values(), 'outcome'),
    verifications: byLabel(metrics.verifications.values(), 'result'),
    origin: byLabel(metrics.originRequests.values(), 'purpose'),
    collapsed: sum(metrics.collapsed.values()),
    stores: byLabel(metrics.stored.values(), 'result'),
    storeFaults: sum(metrics.storeFaults.values()),
    latency: metrics.duration.snapshot(),
    cache: { objects: metrics.sources.cache?.().entries ?? 0, bytes: metrics.sources.cache?.().bytes ?? 0 },
    revocations: { ...(metrics.sources.revocations?.() ?? {}) },
    hotKeys: metrics.hotKeys.top(HOT_KEYS),
  };
}

/** Every worker's snapshot summed. Revocations are the same set in every worker: the largest count stands. */
export function combine(snapshots: readonly WorkerSnapshot[]): WorkerSnapshot {
  const add = (pick: (s: WorkerSnapshot) => Counts) => addCounts(snapshots.map(pick));
  const hot = new Map<string, { requests: number; bytes: number }>();
  for (const snapshot of snapshots) {
    for (const key of snapshot.hotKeys) {
      const held = hot.get(key.key);
      hot.set(key.key, { requests: (held?.requests ?? 0) + key.requests, bytes: Math.max(held?.bytes ?? 0, key.bytes) });
    }
  }
  const revocations: Counts = {};
  for (const snapshot of snapshots) for (const [kind, n] of Object.entries(snapshot.revocations)) revocations[kind] = Math.max(revocations[kind] ?? 0, n);
  return {
    pid: process.pid,
    at: Math.max(0, ...snapshots.map((s) => s.at)),
    startedAt: Math.min(...snapshots.map((s) => s.startedAt)),
    requests: add((s) => s.requests),
    auth: add((s) => s.auth),
    verifications: add((s) => s.verifications),
    origin: add((s) => s.origin),
    collapsed: snapshots.reduce((n, s) => n + s.collapsed, 0),
    stores: add((s) => s.stores),
    storeFaults: snapshots.reduce((n, s) => n + s.storeFaults, 0),
    latency: addHistograms(snapshots.map((s) => s.latency)),
    cache: { objects: snapshots.reduce((n, s) => n + s.cache.objects, 0), bytes: snapshots.reduce((n, s) => n + s.cache.bytes, 0) },
    revocations,
    hotKeys: [...hot.entries()]
      .map(([key, count]) => ({ key, ...count }))
      .sort((a, b) => b.requests - a.requests)
      .slice(0, HOT_KEYS),
  };
}

// ── the /stats answer ────────────────────────────────────────────────────────────────────────────

export interface RequestCounts extends Record<string, number> {
  readonly total: number;
}

export interface Figures {
  readonly requests: RequestCounts;
  /** Answered without an origin request of their own (hit, stale, collapsed) among requests let through. */
  readonly hitRatio: number;
  readonly originRequests: RequestCounts;
  readonly auth: { readonly outcomes: Counts; readonly allowed: number; readonly denied: number; readonly remembered: number; readonly verified: number };
  readonly verifications: Counts;
  readonly collapsedWaiters: number;
  readonly stores: Counts;
  readonly purged: number;
  readonly storeFaults: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly count: number;
}

export interface Stats {
  readonly at: number;
  readonly startedAt: number;
  readonly uptimeSeconds: number;
  /** The span the rates cover (since the previous snapshot, or since start). */
  readonly intervalSeconds: number;
  readonly totals: Figures;
  /** Per second over the interval. */
  readonly rates: Figures;
  readonly latencyMs: Percentiles;
  readonly recentLatencyMs: Percentiles;
  readonly cache: { readonly objects: number; readonly bytes: number };
  readonly revocations: Counts & { readonly total: number };
  readonly hotKeys: ReadonlyArray<HotKey & { readonly url: string; readonly access: string; readonly partition: string }>;
  readonly workers: ReadonlyArray<{
    readonly pid: number;
    readonly requests: RequestCounts;
    readonly hitRatio: number;
    readonly originRequests: number;
    readonly collapsedWaiters: number;
    readonly cache: { readonly objects: number; readonly bytes: number };
    readonly latencyMs: Percentiles;
  }>;
}

/** Snapshots kept to compute rates against (a few seconds' worth at the dashboard's pace). */
const KEPT = 16;
/** Rates span at least this long when an old enough snapshot is kept. */
const MIN_INTERVAL_MS = 900;

/** The admin listener's memory of recent summed snapshots, for rates. Bounded: KEPT entries. */
export class StatsHistory {
  readonly #kept: WorkerSnapshot[] = [];

  stats(workers: readonly WorkerSnapshot[]): Stats {
    const total = combine(workers);
    let previous = this.#kept[0] ?? emptyAt(total.startedAt);
    for (const kept of this.#kept) if (total.at - kept.at >= MIN_INTERVAL_MS) previous = kept;
    this.#kept.push(total);
    if (this.#kept.length > KEPT) this.#kept.shift();
    const seconds = Math.max(0.001, (total.at - previous.at) / 1000);
    const revocationTotal = Object.values(total.revocations).reduce((a, b) => a + b, 0);
    return {
      at: total.at,
      startedAt: total.startedAt,
      uptimeSeconds: round((total.at - total.startedAt) / 1000, 1),
      intervalSeconds: round(seconds, 3),
      totals: figures(total),
      rates: perSecond(figures(total), figures(previous), seconds),
      latencyMs: percentiles(total.latency),
      recentLatencyMs: percentiles(subtractHistogram(total.latency, previous.latency)),
      cache: total.cache,
      revocations: { ...total.revocations, total: revocationTotal },
      hotKeys: total.hotKeys.map((hot) => {
        const parts = keyParts(hot.key);
        return { ...hot, url: parts.url, access: parts.access, partition: parts.partition };
      }),
      workers: workers.map((worker) => {
        const own = figures(worker);
        return {
          pid: worker.pid,
          requests: own.requests,
          hitRatio: own.hitRatio,
          originRequests: own.originRequests.total,
          collapsedWaiters: own.collapsedWaiters,
          cache: worker.cache,
          latencyMs: percentiles(worker.latency),
        };
      }),
    };
  }
}

function figures(s: WorkerSnapshot): Figures {
  const requests = withTotal(s.requests, CACHE_WORDS);
  const letThrough = requests.total - requests.denied! - requests.error!;
  const fromCache = requests.hit! + requests.stale! + requests.collapsed!;
  const auth = withTotal(s.auth, AUTH_OUTCOMES);
  const o = (name: string) => auth[name] ?? 0;
  return {
    requests,
    hitRatio: letThrough > 0 ? round(fromCache / letThrough, 4) : 0,
    originRequests: withTotal(s.origin, ORIGIN_PURPOSES),
    auth: {
      outcomes: auth,
      allowed: o('cached_allow') + o('verified_allow') + o('app_allow'),
      denied: o('cached_deny') + o('verified_deny') + o('malformed') + o('forbidden') + o('rate_limited') + o('revoked') + o('app_deny'),
      remembered: o('cached_allow') + o('cached_deny'),
      verified: o('verified_allow') + o('verified_deny'),
    },
    verifications: { ...s.verifications },
    collapsedWaiters: s.collapsed,
    stores: { ...s.stores },
    purged: s.stores.purged ?? 0,
    storeFaults: s.storeFaults,
  };
}

/** The same shape, each number the change since `before` per second. */
function perSecond<T>(now: T, before: T, seconds: number): T {
  if (typeof now === 'number') return round(Math.max(0, now - ((before as number) ?? 0)) / seconds, 2) as T;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(now as Record<string, unknown>)) {
    // A ratio is not a rate: over the interval it is the ratio of the interval's counts.
    out[name] = name === 'hitRatio' ? intervalRatio(now as Figures, before as Figures) : perSecond(value, (before as Record<string, unknown>)[name] ?? 0, seconds);
  }
  return out as T;
}

function intervalRatio(now: Figures, before: Figures): number {
  const d = (name: string) => (now.requests[name] ?? 0) - (before.requests[name] ?? 0);
  const letThrough = d('total') - d('denied') - d('error');
  return letThrough > 0 ? round((d('hit') + d('stale') + d('collapsed')) / letThrough, 4) : 0;
}

/** Quantiles by linear interpolation within the bucket (as Prometheus's histogram_quantile), in ms. */
export function percentiles(h: HistogramSnapshot): Percentiles {
  const at = (q: number): number => {
    if (h.count === 0) return 0;
    const rank = q * h.count;
    let below = 0;
    for (let i = 0; i < h.counts.length; i++) {
      const inBucket = h.counts[i]!;
      if (below + inBucket >= rank && inBucket > 0) {
        // Above the last bound there is no upper edge: the last bound is the best that can be said.
        if (i >= h.bounds.length) return h.bounds.at(-1)! * 1000;
        const lower = i === 0 ? 0 : h.bounds[i - 1]!;
        return (lower + (h.bounds[i]! - lower) * ((rank - below) / inBucket)) * 1000;
      }
      below += inBucket;
    }
    return h.bounds.at(-1)! * 1000;
  };
  return { p50: round(at(0.5), 3), p90: round(at(0.9), 3), p99: round(at(0.99), 3), count: h.count };
}

function emptyAt(at: number): WorkerSnapshot {
  return {
    pid: 0,
    at,
    startedAt: at,
    requests: {},
    auth: {},
    verifications: {},
    origin: {},
    collapsed: 0,
    stores: {},
    storeFaults: 0,
    latency: { bounds: [], counts: [], sum: 0, count: 0 },
    cache: { objects: 0, bytes: 0 },
    revocations: {},
    hotKeys: [],
  };
}

function byLabel(values: ReadonlyArray<{ labels: Readonly<Record<string, string>>; value: number }>, label: string): Counts {
  const out: Counts = {};
  for (const { labels, value } of values) {
    const name = labels[label] ?? '';
    out[name] = (out[name] ?? 0) + value;
  }
  return out;
}

function sum(values: ReadonlyArray<{ value: number }>): number {
  return values.reduce((n, { value }) => n + value, 0);
}

function addCounts(list: readonly Counts[]): Counts {
  const out: Counts = {};
  for (const counts of list) for (const [name, n] of Object.entries(counts)) out[name] = (out[name] ?? 0) + n;
  return out;
}

/** Every name listed (0 when not counted yet), the others as counted, and their total. */
function withTotal(counts: Counts, names: readonly string[]): RequestCounts {
  const out: Record<string, number> = {};
  for (const name of names) out[name] = counts[name] ?? 0;
  for (const [name, n] of Object.entries(counts)) out[name] = n;
  return { ...out, total: Object.values(out).reduce((a, b) => a + b, 0) };
}

function addHistograms(list: readonly HistogramSnapshot[]): HistogramSnapshot {
  const first = list[0];
  if (first === undefined) return { bounds: [], counts: [], sum: 0, count: 0 };
  return {
    bounds: first.bounds,
    counts: first.counts.map((_, i) => list.reduce((n, h) => n + (h.counts[i] ?? 0), 0)),
    sum: list.reduce((n, h) => n + h.sum, 0),
    count: list.reduce((n, h) => n + h.count, 0),
  };
}

function subtractHistogram(now: HistogramSnapshot, before: HistogramSnapshot): HistogramSnapshot {
  return {
    bounds: now.bounds,
    counts: now.counts.map((n, i) => Math.max(0, n - (before.counts[i] ?? 0))),
    sum: Math.max(0, now.sum - before.sum),
    count: Math.max(0, now.count - before.count),
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
