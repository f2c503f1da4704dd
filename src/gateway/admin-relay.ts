// Admin operations across cluster workers. Each worker holds its own cache and counters, so the
// primary's admin listener publishes a purge, warm, stats or explain request on the bus and every
// worker answers on it; the primary adds up the answers (or stops waiting after a timeout).
import { randomUUID } from 'node:crypto';
import type { AdminActions, WarmRequest } from '../admin/server.js';
import type { WorkerSnapshot } from '../admin/stats.js';
import type { ExplainRequest, Explanation } from '../admin/explain.js';
import type { Gateway } from './assemble.js';
import type { PurgeTarget } from '../cache/serve.js';
import type { WarmSummary } from '../admin/server.js';
import type { Bus, BusEvent } from '../cluster/bus.js';

const STATS_WAIT_MS = 1_000;

interface PurgeRequestEvent { readonly type: 'purge'; readonly id: string; readonly target: PurgeTarget; readonly memoryOnly?: boolean }
interface PurgedEvent { readonly type: 'purged'; readonly id: string; readonly purged: number }
interface WarmRequestEvent { readonly type: 'warm'; readonly id: string; readonly request: WarmRequest }
interface WarmedEvent { readonly type: 'warmed'; readonly id: string; readonly summary: WarmSummary }
interface StatsRequestEvent { readonly type: 'stats'; readonly id: string }
interface StatsEvent { readonly type: 'stats-of'; readonly id: string; readonly snapshot: WorkerSnapshot }
interface ExplainRequestEvent { readonly type: 'explain'; readonly id: string; readonly request: ExplainRequest }
interface ExplainedEvent { readonly type: 'explained'; readonly id: string; readonly explanation: Explanation }

/** A worker's side: carry out purges, warms, stats and explains published on the bus, and answer with the result. */
export function answerAdminEvents(bus: Bus, gateway: Gateway, snapshot: () => WorkerSnapshot): () => void {
  return bus.subscribe((event: BusEvent) => {
    if (event.type === 'purge') {
      const { id, target, memoryOnly } = event as unknown as PurgeRequestEvent;
      void gateway.serve.purge(target, { memoryOnly: memoryOnly === true }).then((purged) => bus.publish({ type: 'purged', id, purged } satisfies PurgedEvent));
    } else if (event.type === 'warm') {
      const { id, request } = event as unknown as WarmRequestEvent;
      void gateway.warm(request).then((summary) => bus.publish({ type: 'warmed', id, summary } satisfies WarmedEvent));
    } else if (event.type === 'stats') {
      const { id } = event as unknown as StatsRequestEvent;
      bus.publish({ type: 'stats-of', id, snapshot: snapshot() } satisfies StatsEvent);
    } else if (event.type === 'explain') {
      const { id, request } = event as unknown as ExplainRequestEvent;
      void gateway.explain(request).then((explanation) => bus.publish({ type: 'explained', id, explanation } satisfies ExplainedEvent));
    }
  });
}

/** The primary's side: admin actions that every live worker carries out. */
export function adminActionsOverBus(bus: Bus, workers: () => number, timeoutMs: number): Pick<AdminActions, 'purge' | 'warm' | 'explain'> & { stats(): Promise<WorkerSnapshot[]> } {
  function ask<Reply extends { id: string }>(request: BusEvent & { id: string }, replyType: string, waitMs = timeoutMs): Promise<Reply[]> {
    const expected = workers();
    return new Promise((resolve) => {
      const replies: Reply[] = [];
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        resolve(replies);
      };
      const timer = setTimeout(done, waitMs);
      const unsubscribe = bus.subscribe((event) => {
        if (event.type !== replyType || (event as unknown as Reply).id !== request.id) return;
        replies.push(event as unknown as Reply);
        if (replies.length >= expected) done();
      });
      bus.publish(request);
    });
  }

  return {
    async purge(target) {
      const replies = await ask<PurgedEvent>({ type: 'purge', id: randomUUID(), target } satisfies PurgeRequestEvent, 'purged');
      return replies.reduce((sum, reply) => sum + reply.purged, 0);
    },
    async warm(request) {
      const replies = await ask<WarmedEvent>({ type: 'warm', id: randomUUID(), request } satisfies WarmRequestEvent, 'warmed');
      // Every worker warmed its own cache: a job counts as warmed only where every worker stored it.
      const first = replies[0]?.summary ?? { warmed: 0, failed: 0, bytes: 0, results: [] };
      const failed = Math.max(0, ...replies.map((r) => r.summary.failed));
      return { ...first, warmed: first.results.length - failed, failed };
    },
    async stats() {
      // The dashboard asks every second: a worker that is busy or gone costs one second, not ten.
      const replies = await ask<StatsEvent>({ type: 'stats', id: randomUUID() } satisfies StatsRequestEvent, 'stats-of', STATS_WAIT_MS);
      return replies.map((reply) => reply.snapshot).sort((a, b) => a.pid - b.pid);
    },
    async explain(request) {
      const replies = await ask<ExplainedEvent>({ type: 'explain', id: randomUUID(), request } satisfies ExplainRequestEvent, 'explained');
      return replies.map((reply) => reply.explanation).sort((a, b) => a.pid - b.pid);
    },
  };
}
