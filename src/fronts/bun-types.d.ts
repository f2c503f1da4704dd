// The small subset of Bun's API that Bouncer uses (Bun's own types are not installed: @types/bun
// pulls a large tree for a handful of signatures). Reach it with `bunRuntime()` from ./bun-runtime.js.

export interface BunSocketAddress {
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly port: number;
}

export interface BunServer {
  readonly hostname: string;
  readonly port: number;
  /** Number of requests being handled. */
  readonly pendingRequests: number;
  requestIP(request: Request): BunSocketAddress | null;
  /** Stops listening; without `force`, in-flight requests finish and idle connections close. */
  stop(force?: boolean): Promise<void>;
}

export interface BunServeOptions {
  readonly hostname: string;
  readonly port: number;
  /** SO_REUSEPORT: several processes listen on one port and the kernel spreads connections. */
  readonly reusePort?: boolean;
  /** Seconds a connection may stay idle. */
  readonly idleTimeout?: number;
  readonly maxRequestBodySize?: number;
  fetch(this: BunServer, request: Request, server: BunServer): Response | Promise<Response>;
  error?(this: BunServer, error: Error): Response | Promise<Response>;
}

export interface BunApi {
  readonly version: string;
  serve(options: BunServeOptions): BunServer;
}

/** Bun's extension of the fetch options used by the origin client. */
export interface BunRequestInit extends RequestInit {
  /** false: hand encoded (gzip, br…) bodies through as they came. */
  decompress?: boolean;
}

/** The part of `bun:ffi` used to widen the listen backlog. */
export interface BunFfi {
  dlopen<Fns extends Record<string, { args: string[]; returns: string }>>(
    library: string,
    symbols: Fns,
  ): { symbols: { [K in keyof Fns]: (...args: number[]) => number }; close(): void };
}
