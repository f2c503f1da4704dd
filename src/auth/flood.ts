// Flood defence: a per-client count of denied tokens in a fixed one-minute window; past the limit the
// client is blocked (answered 429) for a while. Both maps are bounded LRUs, keyed by an IP address
// (client-address.ts; at most 45 characters, so the bound in entries is one in bytes too); the blocked
// check costs nothing while nobody is blocked, not even finding out who the client is.
import { LRUCache } from 'lru-cache';
import type { ClientOf, ClientRequest } from './client-address.js';

export interface FloodOptions {
  readonly failuresPerMinute: number;
  /** How long a client over the limit is blocked (ms). */
  readonly blockMs: number;
  /** Clients tracked at most. */
  readonly clients: number;
  /** Who a request is counted against (client-address.ts). */
  readonly clientOf: ClientOf;
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

  /** Seconds until the request's client may try again (for Retry-After), or 0 when it is not blocked. */
  retryAfter(request: ClientRequest): number {
    if (this.blocked.size === 0) return 0;
    const client = this.options.clientOf(request);
    const until = this.blocked.get(client);
    if (until === undefined) return 0;
    const left = until - this.options.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.blocked.delete(client);
    return 0;
  }

  /** A token of the request's client was denied. Returns the client when that put it over the limit. */
  failed(request: ClientRequest): string | undefined {
    const client = this.options.clientOf(request);
    const now = this.options.now();
    let window = this.windows.get(client);
    if (window === undefined || now - window.start >= WINDOW_MS) {
      window = { start: now, failures: 0 };
      this.windows.set(client, window);
    }
    window.failures += 1;
    if (window.failures <= this.options.failuresPerMinute) return undefined;
    this.blocked.set(client, now + this.options.blockMs);
    this.windows.delete(client);
    return client;
  }
}
