// The origin client on Node: an undici Pool (keep-alive, pipelining off) to one origin.
import type { Readable } from 'node:stream';
import { Pool, errors } from 'undici';
import { combinedFields } from '../http/fields.js';
import { UpstreamError, type OriginClient, type OriginRequest, type OriginResponse, type OriginTimeouts } from './origin.js';

export function createUndiciClient(origin: string, timeouts: OriginTimeouts): OriginClient {
  const pool = new Pool(origin, {
    connections: 256,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: timeouts.headers,
    bodyTimeout: timeouts.body,
    connect: { timeout: timeouts.connect },
  });

  return {
    async request(request: OriginRequest): Promise<OriginResponse> {
      try {
        const response = await pool.request({
          method: request.method as 'GET',
          path: request.path,
          headers: request.headers,
          // undici streams any async iterable; its types name only Readable.
          body: request.body as Readable | null,
          ...(request.onEarlyHints && { onInfo: (info) => { if (info.statusCode === 103) request.onEarlyHints?.(info.headers); } }),
        });
        const body = response.body;
        return {
          status: response.statusCode,
          headers: combinedFields(response.headers),
          body: translateBodyErrors(body),
          // dump() reads a small remainder so the connection is reused, else closes it; never throws.
          abort: () => void body.dump({ limit: 64 * 1024 }).catch(() => undefined),
        };
      } catch (error) {
        throw toUpstreamError(error);
      }
    },
    close: () => pool.close(),
  };
}

async function* translateBodyErrors(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  try {
    yield* body;
  } catch (error) {
    throw toUpstreamError(error);
  }
}

export function toUpstreamError(error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof errors.ConnectTimeoutError || error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return new UpstreamError('BOUNCER_UPSTREAM_TIMEOUT', 'origin timed out', { cause: error });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND' || code === 'UND_ERR_SOCKET') {
    return new UpstreamError('BOUNCER_UPSTREAM_UNREACHABLE', `origin unreachable (${code})`, { cause: error });
  }
  return new UpstreamError('BOUNCER_UPSTREAM_PROTOCOL', 'origin request failed', { cause: error });
}
