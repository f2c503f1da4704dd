// A real nginx (Debian's package, /usr/sbin/nginx) for tests: a minimal nginx.conf in a temporary
// prefix (daemon off, its own error log, pid and temp paths) that includes the file under test, on
// an ephemeral loopback port, stopped with SIGQUIT (graceful) and removed afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = '/usr/sbin/nginx';

export interface NginxProcess {
  readonly url: string;
  readonly prefix: string;
  errorLog(): string;
  stop(): Promise<void>;
}

/** A prefix folder for nginx with a cache folder inside (worker processes may run as another user). */
export function nginxPrefix(): { prefix: string; cacheDir: string } {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: these tests need Debian's nginx package (apt-get install -y nginx)`);
  const prefix = mkdtempSync(join(tmpdir(), 'bouncer-nginx-'));
  chmodSync(prefix, 0o755);
  const cacheDir = join(prefix, 'cache');
  for (const dir of [cacheDir, join(prefix, 'temp')]) {
    mkdirSync(dir);
    chmodSync(dir, 0o777);
  }
  return { prefix, cacheDir };
}

/** A free loopback port (the listener is closed again before nginx binds it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts nginx with `included` inside http {}; `port` is the one the included server listens on. */
export async function startNginx(prefix: string, included: string, port: number, timeoutMs = 10_000): Promise<NginxProcess> {
  const temp = join(prefix, 'temp');
  writeFileSync(join(prefix, 'bouncer.conf'), included);
  const errorLog = join(prefix, 'error.log');
  writeFileSync(
    join(prefix, 'nginx.conf'),
    [
      'daemon off;',
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      'worker_processes 1;',
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${errorLog} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '    access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${join(temp, kind)};`),
      `    include ${join(prefix, 'bouncer.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', errorLog], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const log = () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '');
  const deadline = Date.now() + timeoutMs;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${output}\n${log()}`);
    if (Date.now() > deadline) throw new Error(`nginx not listening in ${timeoutMs} ms:\n${output}\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    prefix,
    errorLog: log,
    async stop() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
