// `bouncer demo`: the embedded default. A slow demo origin (a framework boot per request, a small
// worker pool), the gateway in front of it with an in-memory cache and a fresh HS256 secret, and a
// ready curl line with a minted token. Needs no other service.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { mintToken } from '../auth/mint.js';
import { validateConfig } from '../config/load.js';
import { startGateway } from '../gateway/start.js';
import { startDemoOrigin } from './origin.js';

export interface DemoOptions {
  readonly listen: string;
  readonly bootMs: number;
  readonly slots: number;
  readonly log: Logger;
}

export async function runDemo(options: DemoOptions): Promise<{ close(): Promise<void> }> {
  const origin = await startDemoOrigin({ host: '127.0.0.1', port: 0, bootMs: options.bootMs, slots: options.slots });
  const secret = randomBytes(32).toString('base64url');
  const config = validateConfig(
    {
      listen: options.listen,
      upstream: origin.url,
      admin: { listen: '127.0.0.1:0' },
      jwt: { keys: [{ alg: 'HS256', secret }], cookie: 'token' },
      routes: [
        { path: '/api/me', auth: 'required', cache: { enabled: false }, identityHeaders: { sub: 'X-User-Id', tenant: 'X-Tenant-Id' } },
        { path: '/api/', auth: 'required', onDenied: 'reject', identityHeaders: { sub: 'X-User-Id', tenant: 'X-Tenant-Id' } },
      ],
    },
    'demo',
  );
  const gateway = await startGateway(config, options.log);
  const token = await mintToken({ alg: 'HS256', secret, claims: { sub: 'demo-user', tenant: 'demo' }, expiresIn: 3600 });
  process.stdout.write(
    `\nBouncer demo: gateway ${gateway.url} → demo origin ${origin.url} (${options.bootMs} ms per request, ${options.slots} slots)\n` +
      `metrics: ${gateway.adminUrl}/metrics\n\n` +
      `  curl -i -H 'Authorization: Bearer ${token}' ${gateway.url}/api/v1/feed\n\n`,
  );
  return {
    async close() {
      await gateway.close();
      await origin.close();
    },
  };
}
