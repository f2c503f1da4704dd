// The runtime-neutral request and response that fronts hand to the pipeline and write back.
// No node:http or Bun types here: a front adapts its runtime to these shapes.

/** Request headers with lower-case names, as node:http gives them (Bun's front converts). */
export type HeaderMap = Record<string, string | string[] | undefined>;

export interface GatewayRequest {
  readonly method: string;
  /** The request-target as received (origin-form: path and query). */
  readonly url: string;
  readonly headers: HeaderMap;
  readonly remoteAddress: string;
  /** true when the front terminated TLS. */
  readonly secure: boolean;
  /** The request body, or null when the request declares none. */
  readonly body: AsyncIterable<Uint8Array> | null;
  /**
   * Sends a 103 Early Hints interim response ahead of the final one, where the front can (node:http
   * can, Bun.serve cannot: absent there). Only ever called before the final response is returned.
   */
  readonly earlyHints?: (headers: HeaderMap) => void;
}

export type ResponseBody = Uint8Array | AsyncIterable<Uint8Array> | null;

export interface GatewayResponse {
  readonly status: number;
  /** Flat list: name, value, name, value… (names lower-case). */
  readonly headers: readonly string[];
  readonly body: ResponseBody;
}

/** The pipeline: synchronous for what it can answer from memory (the hot path), a promise otherwise. */
export type Handler = (request: GatewayRequest) => GatewayResponse | Promise<GatewayResponse>;

export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
