// A real origin for tests: node:http on an ephemeral loopback port whose answers the test controls
// per path, and which records every request it receives (method, url, headers) so tests can count
// origin hits and inspect what the gateway forwarded. It sends no Date unless a responder does.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type Responder = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

export interface TestOrigin {
  readonly url: string;
  readonly port: number;
  readonly seen: SeenRequest[];
  /** Requests seen for a path (query ignored). */
  hits(path: string): number;
  /** Sets the responder for requests whose path starts with `prefix` (longest prefix wins). */
  on(prefix: string, responder: Responder): void;
  close(): Promise<void>;
}

export async function startOrigin(port = 0): Promise<TestOrigin> {
  const seen: SeenRequest[] = [];
  const responders = new Map<string, Responder>();
  const server = createServer(async (req, res) => {
    // No automatic Date: the cache computes an apparent age from it (RFC 9111 §4.2.3), and tests that
    // move a fake clock would see responses age with it. A test that wants a Date sends one.
    res.sendDate = false;
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const prefix = [...responders.keys()].filter((p) => path.startsWith(p)).sort((a, b) => b.length - a.length)[0];
    const responder = prefix === undefined ? defaultResponder : responders.get(prefix)!;
    try {
      await responder(req, res, body);
    } catch {
      res.destroy();
    }
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port, backlog: 4096 }, resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    seen,
    hits: (path) => seen.filter((r) => r.url.split('?', 1)[0] === path).length,
    on: (prefix, responder) => void responders.set(prefix, responder),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** JSON echo of what reached the origin, shareable for a minute. */
const defaultResponder: Responder = (req, res) => {
  const body = JSON.stringify({ url: req.url, user: req.headers['x-user-id'] ?? null });
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, s-maxage=60' });
  res.end(body);
};

/** A responder with fixed headers and body, optionally delayed. */
export function fixed(headers: Record<string, string | string[]>, body: string | ((req: IncomingMessage) => string), delayMs = 0): Responder {
  return (req, res) =>
    new Promise<void>((resolve) => {
      setTimeout(() => {
        res.writeHead(200, headers);
        res.end(typeof body === 'function' ? body(req) : body);
        resolve();
      }, delayMs);
    });
}
