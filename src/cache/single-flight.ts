// Request collapsing: concurrent misses for one key make one origin request. The leader's fetch
// settles a flight with an outcome; waiters then act on it (look the key up again, or go alone).
// Waiters never receive the leader's response object itself, so a response meant for one user
// cannot reach another unless it was judged shareable and stored.

export type FlightOutcome =
  | { readonly kind: 'stored' }
  | { readonly kind: 'not-stored' }
  /** The origin failed: waiters answer with their stale copy (stale-if-error) or this status. */
  | { readonly kind: 'failed'; readonly status: 502 | 504; readonly originStatus: number | undefined };

export class SingleFlight {
  readonly #flights = new Map<string, Promise<FlightOutcome>>();

  /** The flight under way for this key, if any. */
  get(key: string): Promise<FlightOutcome> | undefined {
    return this.#flights.get(key);
  }

  /** Registers the leader's flight; it leaves the map as soon as it settles. */
  start(key: string): (outcome: FlightOutcome) => void {
    let settle!: (outcome: FlightOutcome) => void;
    const flight = new Promise<FlightOutcome>((resolve) => (settle = resolve));
    this.#flights.set(key, flight);
    let settled = false;
    return (outcome) => {
      if (settled) return;
      settled = true;
      this.#flights.delete(key);
      settle(outcome);
    };
  }

  get size(): number {
    return this.#flights.size;
  }
}
