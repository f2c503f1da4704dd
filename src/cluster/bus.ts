// The bus that carries cluster-wide events (revocations, purges) to every process serving requests.
// Publishers do not wait: an event is delivered to every subscriber of every worker exactly once,
// the publisher's own process included. Implementations: local (one process, here) and IPC between
// cluster workers (./ipc-bus.ts). Across machines the process owning revocations relays what Redis
// pub/sub brings onto this bus (redis-events.ts).
import type { Revocation } from '../auth/revocations.js';

/** A purge of stored content (see cluster/admin-relay.ts): each worker answers with a "purged" event. */
export interface PurgeEvent {
  readonly type: 'purge';
  readonly id: string;
  readonly target: { readonly url: string } | { readonly prefix: string } | { readonly tag: string };
  /** Another node's purge: it already purged the shared Redis tier, only memory tiers are left. */
  readonly memoryOnly?: boolean;
}

/** Revocations applied by the process that owns them, for every serving process (revocation-events.ts). */
export interface RevocationsEvent {
  readonly type: 'revocations';
  readonly entries: readonly Revocation[];
}

/**
 * Any event: the known ones above, or another `type` a later component defines. Payloads must be
 * plain JSON (they cross process boundaries).
 */
export type BusEvent = PurgeEvent | RevocationsEvent | { readonly type: string; readonly [key: string]: unknown };

export type BusHandler = (event: BusEvent) => void;

export interface Bus {
  publish(event: BusEvent): void;
  /** Returns the function that unsubscribes. */
  subscribe(handler: BusHandler): () => void;
}

/** Subscribers of one process; the IPC bus delivers into one of these too. */
export class Subscribers {
  readonly #handlers = new Set<BusHandler>();

  add(handler: BusHandler): () => void {
    this.#handlers.add(handler);
    return () => void this.#handlers.delete(handler);
  }

  /** One subscriber that throws does not keep the event from the others. */
  deliver(event: BusEvent, onError: (error: unknown) => void): void {
    for (const handler of this.#handlers) {
      try {
        handler(event);
      } catch (error) {
        onError(error);
      }
    }
  }
}

/** A single process: publish hands the event to the subscribers, in a microtask. */
export function createLocalBus(onError: (error: unknown) => void): Bus {
  const subscribers = new Subscribers();
  return {
    publish: (event) => queueMicrotask(() => subscribers.deliver(event, onError)),
    subscribe: (handler) => subscribers.add(handler),
  };
}
