// Flood defence: a per-client count of denied tokens in a fixed one-minute window; past the limit the
// client is blocked (answered 429) for a while. Both maps are bounded LRUs; the blocked check costs
// nothing while nobody is blocked.
import { LRUCache } from 'lru-cache';

export interface FloodOptions {
  readonly failuresPerMinute: number;
  /** How long a client over the limit is blocked (ms). */
  readonly blockMs: number;
  /** Clients tracked at most. */
  readonly clients: number;
  readonly now: () => number;
}

interface Window {
  start: number;
  failures: number;
}

const WINDOW_MS = 60_000;

export class FailureLimiter {
  private readonly windows: LRUCache<string, Window>;
  private readonly blocked: LRUCache<string, number>;

  constructor(private readonly options: FloodOptions) {
    this.windows = new LRUCache({ max: options.clients });
    this.blocked = new LRUCache({ max: options.clients });
  }

  /** Seconds until the client may try again (for Retry-After), or 0 when it is not blocked. */
  retryAfter(client: string): number {
    if (this.blocked.size === 0) return 0;
    const until = this.blocked.get(client);
    if (until === undefined) return 0;
    const left = until - this.options.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.blocked.delete(client);
    return 0;
  }

  /** A token of this client was denied. Returns true when that put the client over the limit. */
  failed(client: string): boolean {
    const now = this.options.now();
    let window = this.windows.get(client);
    if (window === undefined || now - window.start >= WINDOW_MS) {
      window = { start: now, failures: 0 };
      this.windows.set(client, window);
    }
    window.failures += 1;
    if (window.failures <= this.options.failuresPerMinute) return false;
    this.blocked.set(client, now + this.options.blockMs);
    this.windows.delete(client);
    return true;
  }
}
