// The processes a benchmark stands up: the demo origin, the gateway (through its CLI, exactly as a
// user runs it, under Node or Bun) and a bare server of the same runtime as the baseline.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DemoOriginStats } from '../../src/demo/origin.js';
import { startServer, type Server } from './processes.js';

const built = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const GATEWAY_CLI = built('../../src/cli.js');
const ORIGIN_MAIN = built('../../src/demo/origin-main.js');
const BARE_SERVER = { node: built('../bare-server.js'), bun: built('../bare-bun-server.js') };
const BUN = built('../../../node_modules/.bin/bun');

export type Runtime = 'node' | 'bun';

function runtimeCommand(runtime: Runtime): string {
  return runtime === 'bun' ? BUN : process.execPath;
}

export interface Origin extends Server {
  url: string;
  stats(): Promise<DemoOriginStats>;
}

export async function startOrigin(options: { bootMs: number; slots: number; cpu?: number }): Promise<Origin> {
  const args = [ORIGIN_MAIN, '--port', '0', '--boot-ms', String(options.bootMs), '--slots', String(options.slots)];
  const server = await startServer('origin', { command: process.execPath, args, cpu: options.cpu }, (line) => line.msg === 'origin listening');
  const url = String(server.ready.url);
  return {
    ...server,
    url,
    stats: async () => (await (await fetch(`${url}/__stats`)).json()) as DemoOriginStats,
  };
}

export interface GatewayKeys {
  hsSecret: string;
  rsPublicKeyFile: string;
}

/**
 * A config protecting /api/ with an HS256 secret and an RS256 public key, plus any `extra` top-level
 * keys (e.g. warmUpRequests; `jwt` is merged into the jwt section); JSON is valid YAML.
 */
export async function writeGatewayConfig(dir: string, upstream: string, keys: GatewayKeys, extra: Record<string, unknown> = {}, name?: string): Promise<string> {
  const file = join(dir, (name === undefined ? ['gateway', ...Object.keys(extra)].join('-') : `gateway-${name}`) + '.json');
  const { jwt, ...topLevel } = extra;
  const config = {
    // Each config its own state directory: a stateDir belongs to one process (or cluster).
    stateDir: `${file}.state`,
    listen: '127.0.0.1:0',
    upstream,
    admin: { listen: '127.0.0.1:0' },
    jwt: {
      keys: [
        { alg: 'HS256', secret: keys.hsSecret },
        { alg: 'RS256', publicKeyFile: keys.rsPublicKeyFile },
      ],
      cookie: 'token',
      ...(jwt as Record<string, unknown> | undefined),
    },
    routes: [{ path: '/api/', auth: 'required', onDenied: 'reject' }],
    ...topLevel,
  };
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

export interface Gateway extends Server {
  url: string;
  admin: string;
}

/** `cli`: another build's dist/src/cli.js (hot --against); this checkout's by default. */
export async function startGateway(configFile: string, options: { workers?: number; cpu?: number; runtime?: Runtime; cli?: string } = {}): Promise<Gateway> {
  const cli = options.cli ?? GATEWAY_CLI;
  if (!existsSync(cli)) {
    throw new Error(`${cli} does not exist: build the gateway first (git merge main && npx tsc -p .)`);
  }
  const args = [cli, 'start', '--config', configFile, '--workers', String(options.workers ?? 1)];
  const server = await startServer('gateway', { command: runtimeCommand(options.runtime ?? 'node'), args, cpu: options.cpu }, (line) => line.msg === 'listening');
  return { ...server, url: String(server.ready.url), admin: String(server.ready.admin) };
}

/** `coalesce` (node only): the bare server writes its answers in batches as Bouncer's node front does. */
export async function startBare(options: { cpu?: number; runtime?: Runtime; coalesce?: boolean } = {}): Promise<Server & { url: string }> {
  const runtime = options.runtime ?? 'node';
  const args = [BARE_SERVER[runtime], '0', ...(options.coalesce ? ['coalesce'] : [])];
  const server = await startServer('bare server', { command: runtimeCommand(runtime), args, cpu: options.cpu }, (line) => line.msg === 'listening');
  return { ...server, url: String(server.ready.url) };
}
