// The Bun.serve front: turns a Bun Request into a GatewayRequest, writes the GatewayResponse as a
// Response. Thin on purpose, like the node:http front; every function here is module-level so the
// hot path allocates the request object, the Headers and the Response, and nothing else.
//
// What Bun hands us differs from node:http (measured with Bun 1.4.5):
// - `request.url` is absolute and already WHATWG-parsed: `.`/`..` segments, also as `%2e`, are
//   resolved, raw non-ASCII is percent-encoded; `//`, `%2F` and `;` are kept. The front passes path
//   and query on to parseTarget, which normalises the same way, so route and upstream path still
//   come from one string; a request without Host has no URL at all and is answered 400.
// - duplicate request headers are joined with ", " (node keeps the first Authorization).
// - a Uint8Array body without content-type gets `application/octet-stream`; a streamed body is sent
//   chunked even when the origin gave a content-length.
// - a request pipelined behind one whose answer is still pending (an origin fetch) makes Bun close
//   the connection with neither answer (uWS "denying async pipelining", oven-sh/bun#38128); node's
//   front answers both in order. Browsers do not pipeline; answers given at once are not affected.
// - answers are corked and written once per event-loop turn by Bun itself, which the node front
//   does by hand (see node.ts).
import { isPromise, type GatewayRequest, type GatewayResponse, type Handler, type HeaderMap } from '../http/exchange.js';
import { BAD_REQUEST, INTERNAL_ERROR } from '../http/responses.js';
import { widenBacklog } from './bun-backlog.js';
import { bunRuntime } from './bun-runtime.js';
import type { BunApi, BunServer } from './bun-types.js';
import type { Front, FrontOptions } from './front.js';

export interface BunFrontOptions extends FrontOptions {
  /** Several worker processes listen on the same port (SO_REUSEPORT). */
  readonly reusePort?: boolean;
}

export async function startBunFront(handler: Handler, options: BunFrontOptions): Promise<Front> {
  const bun = bunRuntime();
  if (bun === undefined) throw new TypeError('startBunFront needs the Bun runtime');
  const current = { handler };
  const server = serve(bun, current, options);
  // Best effort: where it cannot (not Linux, no glibc) the queue stays at Bun's 512.
  await widenBacklog(server.port, options.backlog).catch(() => 0);
  return {
    host: server.hostname,
    port: server.port,
    setHandler: (next) => void (current.handler = next),
    close: (graceMs) => close(server, graceMs),
  };
}

function serve(bun: BunApi, current: { handler: Handler }, options: BunFrontOptions): BunServer {
  return bun.serve({
    hostname: options.host,
    port: options.port,
    reusePort: options.reusePort ?? false,
    // Bun counts a request waiting for its response as idle too (measured: one answered after
    // idleTimeout is reset), so this is also the longest answer: node's front has requestTimeout 60 s.
    idleTimeout: 60,
    fetch(request, server) {
      const result = current.handler(new BunGatewayRequest(request, server));
      return isPromise(result) ? result.then(toResponse) : toResponse(result);
    },
    // Reached when the request has no usable URL (no Host) or the handler failed.
    error: (error) => (error instanceof TypeError && /URL/i.test(error.message) ? toResponse(BAD_REQUEST) : toResponse(INTERNAL_ERROR)),
  });
}

/**
 * A Bun request as the pipeline sees it. The client address is read only when asked for (to forward
 * it to the origin): Bun's requestIP() was 9% of the CPU of a cached hit, which never needs it.
 */
class BunGatewayRequest implements GatewayRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: HeaderMap;
  readonly secure = false;
  readonly body: AsyncIterable<Uint8Array> | null;

  constructor(private readonly request: Request, private readonly server: BunServer) {
    const headers = (request.headers as Headers & { toJSON(): HeaderMap }).toJSON();
    this.method = request.method;
    this.url = targetOf(request.url);
    this.headers = headers;
    this.body = declaresBody(headers) ? (request.body as AsyncIterable<Uint8Array> | null) : null;
  }

  get remoteAddress(): string {
    return this.server.requestIP(this.request)?.address ?? '';
  }
}

/** Path and query of an absolute URL: everything from the first "/" after "scheme://". */
function targetOf(url: string): string {
  const path = url.indexOf('/', url.indexOf('//') + 2);
  return path === -1 ? '/' : url.slice(path);
}

function declaresBody(headers: HeaderMap): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

// Measured with Bun 1.4.5 for 7 headers: Headers + append() ~1.15 µs, an array of pairs ~1.5 µs, a
// plain object ~1.3 µs (and it cannot repeat Set-Cookie); a prebuilt Headers, which Response
// copies, ~0.36 µs. So Bouncer's constant answers (frozen: denials, errors) reuse a prebuilt one.
const prebuilt = new WeakMap<readonly string[], Headers>();

function toResponse(response: GatewayResponse): Response {
  const list = response.headers;
  // The WeakMap first: Object.isFrozen measured far slower than the lookup under Bun's JSC.
  let headers = prebuilt.get(list);
  if (headers === undefined) {
    headers = new Headers();
    for (let i = 0; i < list.length; i += 2) headers.append(list[i]!, list[i + 1]!);
    if (Object.isFrozen(list)) prebuilt.set(list, headers);
  }
  // Bun streams any async iterable body; a failure mid-stream cuts the connection.
  return new Response(response.body as BodyInit | null, { status: response.status, headers });
}

async function close(server: BunServer, graceMs: number): Promise<void> {
  // stop() refuses new connections, closes idle ones and resolves when in-flight requests are done.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const forced = new Promise<void>((resolve) => {
    timer = setTimeout(() => resolve(server.stop(true)), graceMs);
  });
  await Promise.race([server.stop(), forced]);
  clearTimeout(timer);
}
