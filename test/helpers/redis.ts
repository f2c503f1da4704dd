// Real redis-server processes for tests (Debian's package; .ci/run installs it): one server, or a
// Cluster of three masters made with `redis-cli --cluster create`, each on a free loopback port, with
// its data in a temporary folder. stop() and start() again keep the port (a Redis that goes away
// mid-run and comes back).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './gateway.js';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  /** SIGKILL: gone at once, as in a crash. */
  kill(): Promise<void>;
  /** redis-cli against this server. */
  cli(...args: string[]): string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startRedis(extra: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  const dir = tempDir();
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...extra], { stdio: 'ignore' });
      running.add(child);
      for (let i = 0; i < 200; i++) {
        if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`redis-server on ${port} did not answer`);
    },
    async kill() {
      if (child === undefined || child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
      running.delete(child);
    },
    cli: (...args) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim(),
  };
  await server.start();
  return server;
}

/** Three masters, no replicas, every slot covered. */
export async function startRedisCluster(): Promise<{ readonly nodes: RedisServer[]; readonly urls: string[]; kill(): Promise<void> }> {
  const nodes: RedisServer[] = [];
  for (let i = 0; i < 3; i++) {
    const conf = join(tempDir(), 'nodes.conf');
    nodes.push(await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', conf, '--cluster-node-timeout', '2000']));
  }
  const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
  for (let i = 0; i < 400; i++) {
    if (nodes.every((node) => node.cli('cluster', 'info').includes('cluster_state:ok'))) {
      return { nodes, urls: nodes.map((n) => n.url), kill: async () => void (await Promise.all(nodes.map((n) => n.kill()))) };
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the Redis Cluster did not reach cluster_state:ok');
}
