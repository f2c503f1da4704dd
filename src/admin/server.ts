// The admin listener: health and metrics, on its own (loopback by default) address, never on the
// public listener.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AdminServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Where /metrics comes from: a Registry, or the primary's aggregation over its workers. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface AdminOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: MetricsSource;
  /** Extra health facts (e.g. cache size), merged into /healthz. */
  readonly health: () => Record<string, unknown>;
}

export function startAdmin(options: AdminOptions): Promise<AdminServer> {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    try {
      if (req.method === 'GET' && path === '/healthz') {
        send(res, 200, 'application/json', JSON.stringify({ status: 'ok', ...options.health() }));
      } else if (req.method === 'GET' && path === '/metrics') {
        send(res, 200, options.registry.contentType, await options.registry.metrics());
      } else {
        send(res, 404, 'text/plain', 'not found\n');
      }
    } catch {
      send(res, 500, 'text/plain', 'internal error\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      const { address, port } = server.address() as AddressInfo;
      resolve({
        host: address,
        port,
        url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

function send(res: import('node:http').ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
