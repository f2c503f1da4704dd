// What an impulse run reports (the object `--json` prints, one per target): did every user get an
// answer, which statuses, how long until the last one, per-user percentiles, the Cache-Status
// words, and how many requests reached the origin meanwhile (read from Bouncer's /stats).
import { cacheWordOf } from '../http/cache-status.js';
import type { Fired } from './fire.js';

export interface Summary {
  readonly target: string;
  readonly users: number;
  /** Users that got an HTTP answer (any status). */
  readonly answered: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** Users that got no answer at all (connection refused or reset, or timed out). */
  readonly failed: number;
  /** From the first request to the last answer, ms. */
  readonly lastMs: number;
  /** Per-user latency (own request to own whole answer) over the answered users, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Answers by Cache-Status word (hit, miss, collapsed…); "none" for answers without Bouncer's field. */
  readonly cacheStatus: Readonly<Record<string, number>>;
  /** Origin requests during the run (the change of /stats' total); null when the admin could not be read. */
  readonly originRequests: number | null;
}

export function summarise(target: string, fired: Fired, originRequests: number | null): Summary {
  const answered = fired.results.filter((r) => r.status !== undefined);
  const statuses: Record<string, number> = {};
  const cacheStatus: Record<string, number> = {};
  for (const result of answered) {
    statuses[String(result.status)] = (statuses[String(result.status)] ?? 0) + 1;
    const word = cacheWordOf(result.cacheStatus) ?? 'none';
    cacheStatus[word] = (cacheStatus[word] ?? 0) + 1;
  }
  const latencies = answered.map((r) => r.latencyMs).sort((a, b) => a - b);
  return {
    target,
    users: fired.users,
    answered: answered.length,
    statuses,
    failed: fired.users - answered.length,
    lastMs: round(Math.max(0, ...answered.map((r) => r.doneAtMs))),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    cacheStatus,
    originRequests,
  };
}

/** Every user got a 2xx. */
export function allOk(summary: Summary): boolean {
  let ok = 0;
  for (const [status, n] of Object.entries(summary.statuses)) if (status.startsWith('2')) ok += n;
  return ok === summary.users;
}

/** Nearest rank, on sorted values; 0 for none. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
