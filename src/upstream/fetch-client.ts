// The origin client on Bun: Bun's fetch, which pools keep-alive connections per origin by itself.
// Encoded bodies pass through untouched (decompress: false) and redirects go back to the client.
// undici's timeouts are rebuilt here: the headers timeout as an AbortSignal deadline, the body as an
// idle timer re-armed on every chunk. Bun's fetch does not tell when the connection is made, so the
// connect timeout is not separate: connecting counts against the headers deadline.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { BunRequestInit } from '../fronts/bun-types.js';
import type { HeaderMap } from '../http/exchange.js';
import { combinedFields } from '../http/fields.js';
import { UpstreamError, type OriginClient, type OriginRequest, type OriginResponse, type OriginTimeouts } from './origin.js';

export function createFetchClient(origin: string, timeouts: OriginTimeouts): OriginClient {
  return {
    async request(request: OriginRequest): Promise<OriginResponse> {
      // Bun's fetch refuses a body on GET and HEAD ("cannot have body"); RFC 9110 §9.3.1 allows one.
      if (request.body !== null && (request.method === 'GET' || request.method === 'HEAD')) return viaNodeHttp(origin, request, timeouts);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new UpstreamError('BOUNCER_UPSTREAM_TIMEOUT', 'origin did not answer in time')), timeouts.headers);
      let response: Response;
      try {
        const init: BunRequestInit = {
          method: request.method,
          headers: toHeaders(request.headers),
          body: request.body as BodyInit | null,
          redirect: 'manual',
          decompress: false,
          signal: controller.signal,
        };
        if (request.body !== null) (init as { duplex?: string }).duplex = 'half';
        response = await fetch(origin + request.path, init);
      } catch (error) {
        throw toUpstreamError(controller.signal.reason ?? error);
      } finally {
        clearTimeout(timer);
      }
      return {
        status: response.status,
        headers: toHeaderMap(response.headers),
        body: withIdleTimeout(response, controller, timeouts.body),
        abort: () => controller.abort(),
      };
    },
    close: () => Promise.resolve(),
  };
}

function toHeaders(headers: Record<string, string | string[]>): Headers {
  const out = new Headers();
  for (const name in headers) {
    const value = headers[name]!;
    if (Array.isArray(value)) for (const item of value) out.append(name, item);
    else out.set(name, value);
  }
  return out;
}

/** Lower-case object; Set-Cookie stays a list (Bun's toJSON does both). */
function toHeaderMap(headers: Headers): HeaderMap {
  return (headers as Headers & { toJSON(): HeaderMap }).toJSON();
}

/** The body, aborted when the origin stays silent for idleMs between chunks. */
async function* withIdleTimeout(response: Response, controller: AbortController, idleMs: number): AsyncIterable<Uint8Array> {
  if (response.body === null) return;
  const reader = response.body.getReader();
  const expire = () => controller.abort(new UpstreamError('BOUNCER_UPSTREAM_TIMEOUT', 'origin body stalled'));
  const timer = setTimeout(expire, idleMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      timer.refresh();
      yield value;
    }
  } catch (error) {
    throw toUpstreamError(controller.signal.reason ?? error);
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}

function toUpstreamError(error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ConnectionRefused' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ConnectionClosed' || code === 'FailedToOpenSocket') {
    return new UpstreamError('BOUNCER_UPSTREAM_UNREACHABLE', `origin unreachable (${code})`, { cause: error });
  }
  if ((error as { name?: string } | null)?.name === 'TimeoutError') {
    return new UpstreamError('BOUNCER_UPSTREAM_TIMEOUT', 'origin timed out', { cause: error });
  }
  return new UpstreamError('BOUNCER_UPSTREAM_PROTOCOL', 'origin request failed', { cause: error });
}

/** The rare GET or HEAD with a body, sent with node:http (which Bun implements) instead of fetch. */
function viaNodeHttp(origin: string, request: OriginRequest, timeouts: OriginTimeouts): Promise<OriginResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(origin + request.path, { method: request.method, headers: request.headers, timeout: timeouts.headers }, (response: IncomingMessage) => {
      response.setTimeout(timeouts.body, () => response.destroy(new UpstreamError('BOUNCER_UPSTREAM_TIMEOUT', 'origin body stalled')));
      resolve({
        status: response.statusCode ?? 502,
        headers: combinedFields(response.headers),
        body: response,
        abort: () => response.destroy(),
      });
    });
    outgoing.on('timeout', () => outgoing.destroy(new UpstreamError('BOUNCER_UPSTREAM_TIMEOUT', 'origin did not answer in time')));
    outgoing.on('error', (error) => reject(toUpstreamError(error)));
    (async () => {
      for await (const chunk of request.body!) outgoing.write(chunk);
      outgoing.end();
    })().catch((error: unknown) => outgoing.destroy(error as Error));
  });
}
