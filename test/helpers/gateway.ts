// Runs the real gateway as a child process (`bouncer start`) on ephemeral loopback ports, from a
// configuration object, and waits for its "listening" line. BOUNCER_TEST_RUNTIME picks the runtime
// binary (node by default), so the same tests check every front.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';

export const CLI = resolve(import.meta.dirname, '../../src/cli.js');

export interface GatewayProcess {
  readonly url: string;
  readonly adminUrl: string;
  readonly child: ChildProcess;
  /** The configuration file it was started with (rewrite it, then SIGHUP, to reload). */
  readonly configFile: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** A metric's value from /metrics (sum over label sets matching `labels`). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/** The runtime binary; a relative path (node_modules/.bin/bun) is taken from the working directory. */
export function runtime(): string {
  const binary = process.env.BOUNCER_TEST_RUNTIME;
  if (binary === undefined) return process.execPath;
  return binary.includes('/') ? resolve(binary) : binary;
}

// Config folders of this test process, removed when it exits.
const configDirs: string[] = [];
process.once('exit', () => {
  for (const dir of configDirs) rmSync(dir, { recursive: true, force: true });
});

export function writeConfig(config: unknown): string {
  const dir = tempDir();
  const file = join(dir, 'bouncer.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** A folder removed when the test process exits (configs, state directories). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bouncer-test-'));
  configDirs.push(dir);
  return dir;
}

/** Runs the CLI to completion (for commands that exit): code, stdout, stderr. */
export async function runCli(args: string[], timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(runtime(), [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export async function startGateway(config: Record<string, unknown>, timeoutMs = 15_000): Promise<GatewayProcess> {
  // Each gateway its own stateDir (a stateDir belongs to one process), unless the test names one.
  const file = writeConfig({ listen: '127.0.0.1:0', admin: { listen: '127.0.0.1:0' }, log: { level: 'warn' }, stateDir: join(tempDir(), 'state'), ...config });
  const child = spawn(runtime(), [CLI, 'start', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const ready = await new Promise<{ url: string; admin: string }>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway not ready in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      for (const line of output.split('\n')) {
        if (!line.includes('"listening"')) continue;
        clearTimeout(timer);
        const parsed = JSON.parse(line) as { url: string; admin: string };
        resolveReady(parsed);
        return;
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
  });

  return {
    url: ready.url,
    adminUrl: ready.admin,
    child,
    configFile: file,
    output: () => output,
    async metric(name, labels = {}) {
      const text = await (await fetch(`${ready.admin}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
        if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').pop());
      }
      return sum;
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit') as Promise<[number | null]>;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
