// Request collapsing: concurrent misses for one key make one origin request. The leader's fetch
// settles a flight with an outcome; waiters then act on it (look the key up again, or go alone).
// Waiters never receive the leader's response object itself, so a response meant for one user
// cannot reach another unless it was judged shareable and stored.
//
// Bounded: at most `max` flights whose keys add up to `maxKeyBytes`; beyond, a miss fetches on its
// own (it is not collapsed, nothing else changes).

export type FlightOutcome =
  | { readonly kind: 'stored' }
  | { readonly kind: 'not-stored' }
  /** The origin failed: waiters answer with their stale copy (stale-if-error) or this status. */
  | { readonly kind: 'failed'; readonly status: 502 | 504; readonly originStatus: number | undefined; readonly cause: string };

export type Settle = (outcome: FlightOutcome) => void;

const UNREGISTERED: Settle = () => undefined;

export class SingleFlight {
  readonly #flights = new Map<string, Promise<FlightOutcome>>();
  #keyBytes = 0;

  constructor(
    private readonly max = 100_000,
    private readonly maxKeyBytes = 64 * 1024 * 1024,
  ) {}

  /** The flight under way for this key, if any. */
  get(key: string): Promise<FlightOutcome> | undefined {
    return this.#flights.get(key);
  }

  /** Registers the leader's flight (unless the bound is reached); it leaves the map as soon as it settles. */
  start(key: string): Settle {
    if (this.#flights.size >= this.max || this.#keyBytes + key.length > this.maxKeyBytes || this.#flights.has(key)) return UNREGISTERED;
    let settle!: Settle;
    const flight = new Promise<FlightOutcome>((resolve) => (settle = resolve));
    this.#flights.set(key, flight);
    this.#keyBytes += key.length;
    let settled = false;
    return (outcome) => {
      if (settled) return;
      settled = true;
      this.#flights.delete(key);
      this.#keyBytes -= key.length;
      settle(outcome);
    };
  }

  get size(): number {
    return this.#flights.size;
  }
}
