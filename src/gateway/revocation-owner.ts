// Starts the process's ownership of revocations: the journal under stateDir (replayed, then
// compacted), the authority that records and distributes them, its answers to serving processes on
// the bus, and the housekeeping that drops what has expired. Used by the single process and by the
// cluster primary.
import type { Logger } from 'pino';
import type { AdminActions } from '../admin/server.js';
import { RevocationAuthority, type RemoteRevocations } from '../auth/revocation-authority.js';
import { RevocationJournal } from '../auth/revocation-journal.js';
import { RevocationSet, type Revocation } from '../auth/revocations.js';
import type { Bus } from '../cluster/bus.js';
import { whenReady } from '../cluster/redis-client.js';
import { RedisNode, type PurgeTarget } from '../cluster/redis-node.js';
import { answerRevokeRequests } from '../cluster/revocation-events.js';
import type { Config } from '../config/schema.js';

export interface RevocationOwner {
  readonly set: RevocationSet;
  readonly authority: RevocationAuthority;
  /** Tells the other nodes (through Redis) to purge their memory tier too; a no-op without Redis. */
  purgeEverywhere(target: PurgeTarget): Promise<void>;
  close(): Promise<void>;
}

const HOUSEKEEPING_MS = 60_000;
const MERGE_RETRY_MS = 1_000;

export async function startRevocationOwner(config: Config, log: Logger, bus: Bus, now: () => number = Date.now): Promise<RevocationOwner> {
  const set = new RevocationSet(config.revocation);
  const { journal, entries, skipped } = await RevocationJournal.open(config.stateDir);
  for (const entry of entries) set.add(entry, now());
  if (skipped > 0) log.warn({ skipped, stateDir: config.stateDir }, 'revocation journal: unreadable lines skipped (a line torn by a crash was never acknowledged)');
  // Another node's purge reaches this node's memory tiers; a shared Redis tier was purged by the sender.
  let authority!: RevocationAuthority;
  const node =
    config.redis &&
    new RedisNode(
      config.redis,
      log,
      (event) => {
        if (event.type === 'revocations') void authority.absorb(event.entries).catch((error: unknown) => log.error({ err: error }, 'a revocation from another node could not be journaled'));
        else bus.publish({ type: 'purge', id: `remote-${node!.id}`, target: event.target, memoryOnly: true });
      },
      () => void merge().catch((error: unknown) => log.warn({ err: error }, 'revocation merge with Redis failed; retried on the next reconnect')),
    );
  const remote: RemoteRevocations | undefined = node;
  authority = new RevocationAuthority({
    set,
    journal,
    maxTokenLifetimeMs: config.revocation.maxTokenLifetime,
    leewayMs: config.jwt.leeway,
    now,
    log,
    distribute: (applied: readonly Revocation[]) => bus.publish({ type: 'revocations', entries: applied }),
    remote,
  });
  await authority.housekeeping();
  if (set.size > 0) log.info({ revocations: set.size, ...set.counts() }, 'revocations replayed from the journal');
  async function merge(): Promise<void> {
    const { loaded, refilled } = await authority.merge();
    log.info({ loaded, refilled, revocations: set.size }, 'revocations merged with Redis');
  }
  if (node !== undefined) {
    // wait: no token is judged before this node knows what Redis knows; serve: judge now, merge when it can.
    const firstMerge = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await whenReady(node.connection, 5_000);
          return await merge();
        } catch (error) {
          if (attempt === 1 || attempt % 30 === 0) log.warn({ err: error, attempt, startup: config.redis!.startup }, 'Redis not reachable for the revocation merge; retrying');
          await new Promise((resolve) => setTimeout(resolve, MERGE_RETRY_MS));
        }
      }
    })();
    if (config.redis!.startup === 'wait') await firstMerge;
    else log.info('redis.startup is serve: judging tokens with the journal until the first merge with Redis');
  }
  const stopAnswering = answerRevokeRequests(bus, authority);
  const timer = setInterval(() => void authority.housekeeping().catch((error: unknown) => log.warn({ err: error }, 'revocation housekeeping failed')), HOUSEKEEPING_MS);
  timer.unref();
  return {
    set,
    authority,
    purgeEverywhere: async (target) => {
      await node?.publishPurge(target).catch((error: unknown) => log.warn({ err: error }, 'purge not published to the other nodes: Redis unreachable'));
    },
    async close() {
      clearInterval(timer);
      stopAnswering();
      await node?.close();
      await journal.close();
    },
  };
}

/** The admin API's revocation operations, answered by the owner. */
export function revocationActions(owner: RevocationOwner): Pick<AdminActions, 'revoke' | 'revocations'> {
  return {
    revoke: (request) => owner.authority.revoke(request),
    revocations(offset, limit) {
      const entries: Revocation[] = [];
      let index = 0;
      for (const entry of owner.set.entries()) {
        if (index >= offset + limit) break;
        if (index++ >= offset) entries.push(entry);
      }
      const total = owner.set.size;
      return { counts: owner.set.counts(), total, entries, ...(offset + entries.length < total ? { next: offset + entries.length } : {}) };
    },
  };
}
