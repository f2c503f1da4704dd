// Revocations on the bus between the process that owns them (RevocationAuthority: the single process,
// or the cluster primary) and every process that serves requests. A serving process applies what the
// owner distributes; a logout in a serving process asks the owner over the bus and waits for its
// answer, which comes once the revocation is on disk.
import { randomUUID } from 'node:crypto';
import type { RevocationAuthority, RevokeRequest } from '../auth/revocation-authority.js';
import type { RevocationSet } from '../auth/revocations.js';
import type { Bus, BusEvent } from './bus.js';

interface RevokeAsked { readonly type: 'revoke'; readonly id: string; readonly request: RevokeRequest }
interface RevokeAnswered { readonly type: 'revoke-done'; readonly id: string; readonly revoked?: number; readonly error?: string }

/** A serving process: applies every revocation the owner distributes. Returns the unsubscribe function. */
export function applyRevocations(bus: Bus, set: RevocationSet, now: () => number): () => void {
  return bus.subscribe((event: BusEvent) => {
    if (event.type !== 'revocations') return;
    for (const entry of (event as Extract<BusEvent, { type: 'revocations' }>).entries) set.add(entry, now());
  });
}

/** The owner: answers revoke requests from serving processes. */
export function answerRevokeRequests(bus: Bus, authority: RevocationAuthority): () => void {
  return bus.subscribe((event: BusEvent) => {
    if (event.type !== 'revoke') return;
    const { id, request } = event as unknown as RevokeAsked;
    authority.revoke(request).then(
      (revoked) => bus.publish({ type: 'revoke-done', id, revoked } satisfies RevokeAnswered),
      (error: unknown) => bus.publish({ type: 'revoke-done', id, error: (error as Error).message } satisfies RevokeAnswered),
    );
  });
}

/** A serving process's way to revoke (logout): asks the owner and resolves once it is durable. */
export function revokeOverBus(bus: Bus, timeoutMs: number): (request: RevokeRequest) => Promise<number> {
  return (request) =>
    new Promise((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`no answer from the revocation owner within ${timeoutMs} ms`));
      }, timeoutMs);
      const unsubscribe = bus.subscribe((event) => {
        if (event.type !== 'revoke-done' || (event as unknown as RevokeAnswered).id !== id) return;
        clearTimeout(timer);
        unsubscribe();
        const answer = event as unknown as RevokeAnswered;
        if (answer.error !== undefined) reject(new Error(answer.error));
        else resolve(answer.revoked ?? 0);
      });
      bus.publish({ type: 'revoke', id, request } satisfies RevokeAsked);
    });
}
