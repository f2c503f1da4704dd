// Child processes for the benchmarks: servers that announce readiness with a JSON line on stdout, and
// load generators that run to completion. Every child gets the hard fd limit (an impulse of 10,000
// users needs 10,000 sockets on each side) and can be pinned to one CPU with taskset.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';

export interface SpawnOptions {
  command: string;
  args: string[];
  /** CPU to pin the process to (taskset -c). */
  cpu?: number;
  env?: NodeJS.ProcessEnv;
}

export interface Server {
  pid: number;
  /** The parsed ready line. */
  ready: Record<string, unknown>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
// If the orchestrator dies, its servers go with it.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function launch({ command, args, cpu, env }: SpawnOptions): ChildProcess {
  const pinned = cpu === undefined ? [command, ...args] : ['taskset', '-c', String(cpu), command, ...args];
  // `exec` keeps one PID from sh to the real program, so /proc/PID and signals reach it.
  const child = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', ...pinned], {
    env: env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Starts a server and resolves once it prints a JSON line that `isReady` accepts. */
export function startServer(
  name: string,
  options: SpawnOptions,
  isReady: (line: Record<string, unknown>) => boolean,
  timeoutMs = 15_000,
): Promise<Server> {
  const child = launch(options);
  let tail = '';
  const keepTail = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-4_000);
  };
  child.stderr!.on('data', keepTail);

  return new Promise((resolve, reject) => {
    let buffered = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${name} ${why}\n${tail}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited (${code ?? signal}) before it was ready`);
    child.once('exit', onEarlyExit);
    const onData = (chunk: Buffer): void => {
      keepTail(chunk);
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const parsed = parseJsonLine(line);
        if (parsed === undefined || !isReady(parsed)) continue;
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        child.stdout!.off('data', onData);
        child.stdout!.resume(); // keep draining so a chatty server never blocks on a full pipe
        resolve({ pid: child.pid!, ready: parsed, stop: () => stopChild(child) });
        return;
      }
    };
    child.stdout!.on('data', onData);
  });
}

/** Runs a command to completion (killed after `timeoutMs`) and returns its stdout. */
export function runToEnd(name: string, options: SpawnOptions, timeoutMs: number): Promise<string> {
  const child = launch(options);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    // 'close', not 'exit': stdout is complete only once its pipe has closed.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${name} failed (${code ?? signal})\n${stderr}`));
    });
  });
}

/** SIGTERM, then SIGKILL if it is still there after 10 s. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Resident memory of a process and all its descendants (a gateway may fork workers), in bytes. */
export async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  let total = kib * 1024;
  for (const child of await childPids(pid)) total += await residentBytes(child);
  return total;
}

async function childPids(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(
    tasks.map((tid) => readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '')),
  );
  return lists.flatMap((list) => list.split(' ').filter(Boolean).map(Number));
}

/**
 * CPU time (user + system) a process and its descendants have used, in seconds. Per request, it is
 * the figure a shared, noisy machine distorts least: other load slows a server, it does not make it
 * spend more CPU per answer.
 */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the ")" that closes the command name: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let total = (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / CLOCK_TICKS_PER_SECOND;
  for (const child of await childPids(pid)) total += await cpuSeconds(child);
  return total;
}

/** USER_HZ: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;
