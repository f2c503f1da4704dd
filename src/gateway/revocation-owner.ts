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
import { answerRevokeRequests } from '../cluster/revocation-events.js';
import type { Config } from '../config/schema.js';

export interface RevocationOwner {
  readonly set: RevocationSet;
  readonly authority: RevocationAuthority;
  close(): Promise<void>;
}

const HOUSEKEEPING_MS = 60_000;

export async function startRevocationOwner(config: Config, log: Logger, bus: Bus, remote?: RemoteRevocations, now: () => number = Date.now): Promise<RevocationOwner> {
  const set = new RevocationSet(config.revocation);
  const { journal, entries, skipped } = await RevocationJournal.open(config.stateDir);
  for (const entry of entries) set.add(entry, now());
  if (skipped > 0) log.warn({ skipped, stateDir: config.stateDir }, 'revocation journal: unreadable lines skipped (a line torn by a crash was never acknowledged)');
  const authority = new RevocationAuthority({
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
  const stopAnswering = answerRevokeRequests(bus, authority);
  const timer = setInterval(() => void authority.housekeeping().catch((error: unknown) => log.warn({ err: error }, 'revocation housekeeping failed')), HOUSEKEEPING_MS);
  timer.unref();
  return {
    set,
    authority,
    async close() {
      clearInterval(timer);
      stopAnswering();
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
