// The contract with the origin: one request out, status + headers + a body stream back. Each
// runtime gets the fastest client it has (undici on Node); the pipeline sees only this.
import type { HeaderMap } from '../http/exchange.js';

export interface OriginRequest {
  readonly method: string;
  /** Path and query, already normalised. */
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: AsyncIterable<Uint8Array> | null;
  /** A 103 Early Hints interim response arrived (clients that can report them do). */
  readonly onEarlyHints?: ((headers: HeaderMap) => void) | undefined;
}

export interface OriginResponse {
  readonly status: number;
  /** Repeated field lines combined into one value (RFC 9110 §5.3); Set-Cookie stays a list. */
  readonly headers: HeaderMap;
  readonly body: AsyncIterable<Uint8Array>;
  /** Stops reading the body and frees the connection. */
  abort(): void;
}

export interface OriginClient {
  request(request: OriginRequest): Promise<OriginResponse>;
  close(): Promise<void>;
}

export type UpstreamErrorCode = 'BOUNCER_UPSTREAM_UNREACHABLE' | 'BOUNCER_UPSTREAM_TIMEOUT' | 'BOUNCER_UPSTREAM_PROTOCOL';

/** An origin failure, with the status a client should get for it: 502 bad gateway or 504 timeout. */
export class UpstreamError extends Error {
  constructor(readonly code: UpstreamErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamError';
  }

  get status(): 502 | 504 {
    return this.code === 'BOUNCER_UPSTREAM_TIMEOUT' ? 504 : 502;
  }
}

export interface OriginTimeouts {
  readonly connect: number;
  readonly headers: number;
  readonly body: number;
}
