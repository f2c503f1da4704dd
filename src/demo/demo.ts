// `bouncer demo`: the embedded default. A slow demo origin (a framework boot per request, a small
// worker pool), the gateway in front of it with an in-memory cache and a fresh HS256 secret, and
// ready command lines: curl with a minted token, an impulse of 2,000 users, an explain, and the
// dashboard's address. Needs no other service.
import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
import type { Logger } from 'pino';
import { mintToken } from '../auth/mint.js';
import { validateConfig } from '../config/load.js';
import { bunRuntime } from '../fronts/bun-runtime.js';
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
  const adminSecret = randomBytes(24).toString('base64url');
  const config = validateConfig(
    {
      listen: options.listen,
      upstream: origin.url,
      admin: { listen: '127.0.0.1:0', secret: adminSecret },
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
  const bouncer = `${bunRuntime() === undefined ? 'node' : 'bun'} ${relative(process.cwd(), process.argv[1] ?? 'dist/src/cli.js') || 'dist/src/cli.js'}`;
  process.stdout.write(
    `\nBouncer demo: gateway ${gateway.url} → demo origin ${origin.url} (${options.bootMs} ms per request, ${options.slots} slots)\n` +
      `dashboard: ${gateway.adminUrl}/dashboard   metrics: ${gateway.adminUrl}/metrics\n\n` +
      `  curl -i -H 'Authorization: Bearer ${token}' ${gateway.url}/api/v1/feed\n\n` +
      `  ${bouncer} impulse ${gateway.url}/api/v1/feed --users 2000 --secret ${secret} --admin ${gateway.adminUrl} --report impulse.html\n\n` +
      `  ${bouncer} explain /api/v1/feed --token ${token} --admin ${gateway.adminUrl} --secret ${adminSecret}\n\n`,
  );
  return {
    async close() {
      await gateway.close();
      await origin.close();
    },
  };
}
