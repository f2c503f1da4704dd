// What every front (node:http, Bun.serve) offers the gateway.
import type { Handler } from '../http/exchange.js';

export interface FrontOptions {
  readonly host: string;
  readonly port: number;
  /** Listen queue length: an impulse of thousands of connections must queue, not be refused. */
  readonly backlog: number;
}

export interface Front {
  readonly host: string;
  readonly port: number;
  /** Stops accepting, waits for in-flight requests up to graceMs, then closes what is left. */
  close(graceMs: number): Promise<void>;
  /** Requests from now on go to this handler (a reload); those in flight finish with the old one. */
  setHandler(handler: Handler): void;
}
