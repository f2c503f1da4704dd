// `bouncer impulse`: fire the crowd an operator fears at their own site and report what happened.
// Mint the tokens, read the gateway's /stats, fire (and, with --compare, fire the same crowd at a
// second URL, e.g. the site's current nginx, right after), read /stats again, then print the summary
// (or the JSON object), write the HTML report, and say whether every user got a 2xx.
import { lookup } from 'node:dns/promises';
import { writeFile } from 'node:fs/promises';
import { fire, type Fired } from './fire.js';
import { reportHtml, type ReportRun } from './report.js';
import { allOk, summarise, type Summary } from './summary.js';

export interface ImpulseOptions {
  readonly url: URL;
  readonly compare: URL | undefined;
  readonly tokens: readonly string[];
  readonly rampMs: number;
  readonly timeoutMs: number;
  /** Bouncer's admin listener, for origin requests (GET /stats, no secret needed); undefined: not read. */
  readonly admin: string | undefined;
  readonly report: string | undefined;
  readonly json: boolean;
  readonly allowRemote: boolean;
  readonly out: NodeJS.WritableStream;
  /** The progress bar. */
  readonly err: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The summary of the target, with the compared one beside it: what --json prints. */
export type ImpulseResult = Summary & { readonly compare?: Summary };

export class RemoteTargetError extends Error {
  readonly code = 'BOUNCER_IMPULSE_REMOTE';
  constructor(url: URL) {
    super(`${url.host} is not a loopback address: an impulse is a load test; give --allow-remote to fire it at another machine you own`);
  }
}

export async function runImpulse(options: ImpulseOptions): Promise<{ result: ImpulseResult; ok: boolean }> {
  for (const url of [options.url, options.compare]) if (url !== undefined && !options.allowRemote && !(await isLoopback(url))) throw new RemoteTargetError(url);
  const runs: ReportRun[] = [];
  for (const url of [options.url, options.compare]) {
    if (url === undefined) continue;
    // Origin requests are Bouncer's to tell: its /stats is read around the run of the main target.
    const admin = url === options.url ? options.admin : undefined;
    const before = await originRequests(admin);
    const fired = await fireWithProgress(url, options);
    const after = await originRequests(admin);
    const origin = before === null || after === null ? null : after - before;
    runs.push({ summary: summarise(url.href, fired, origin), fired });
  }
  const [main, compared] = runs.map((run) => run.summary) as [Summary, Summary | undefined];
  const result: ImpulseResult = compared === undefined ? main : { ...main, compare: compared };
  if (options.report !== undefined) await writeFile(options.report, reportHtml(runs));
  options.out.write(options.json ? `${JSON.stringify(result)}\n` : describe(runs.map((run) => run.summary), options.report));
  return { result, ok: runs.every((run) => allOk(run.summary)) };
}

async function fireWithProgress(url: URL, options: ImpulseOptions): Promise<Fired> {
  const bar = progressBar(options.err, url.href);
  try {
    return await fire({ url, tokens: options.tokens, rampMs: options.rampMs, timeoutMs: options.timeoutMs, onProgress: bar.update });
  } finally {
    bar.done();
  }
}

/** A progress bar on stderr, redrawn at most ten times a second (a line per phase when not a terminal). */
function progressBar(err: ImpulseOptions['err'], label: string) {
  const WIDTH = 30;
  let last = 0;
  let line = '';
  let phase = '';
  const draw = (text: string) => {
    line = text;
    err.write(err.isTTY === true ? `\r${text}` : `${text}\n`);
  };
  return {
    update(next: 'connecting' | 'answering', done: number, total: number) {
      const now = performance.now();
      if (next === phase && done < total && now - last < (err.isTTY === true ? 100 : 1000)) return;
      phase = next;
      last = now;
      const filled = Math.round((done / total) * WIDTH);
      draw(`${label} ${next.padEnd(10)} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total}`);
    },
    done() {
      if (err.isTTY === true && line !== '') err.write('\n');
    },
  };
}

function describe(summaries: readonly Summary[], report: string | undefined): string {
  const pairs = (counts: Readonly<Record<string, number>>) => Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  const blocks = summaries.map(
    (s) =>
      `${s.target}\n` +
      `  users ${s.users}, answered ${s.answered}${s.failed > 0 ? `, no answer ${s.failed}` : ''}: ${allOk(s) ? 'every user got a 2xx' : 'NOT every user got a 2xx'}\n` +
      `  statuses: ${pairs(s.statuses)}\n` +
      `  last answer after ${s.lastMs} ms; per user p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms\n` +
      `  Cache-Status: ${pairs(s.cacheStatus)}\n` +
      `  origin requests: ${s.originRequests ?? 'unknown (no admin /stats to read)'}\n`,
  );
  return `${blocks.join('\n')}${report === undefined ? '' : `\nreport: ${report}\n`}`;
}

/** Total origin requests from Bouncer's GET /stats; null when there is none to ask or it does not answer. */
async function originRequests(admin: string | undefined): Promise<number | null> {
  if (admin === undefined) return null;
  try {
    const response = await fetch(`${admin}/stats`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return null;
    const stats = (await response.json()) as { totals?: { originRequests?: { total?: number } } };
    return stats.totals?.originRequests?.total ?? null;
  } catch {
    return null;
  }
}

/** Every address the host names is a loopback one (127.0.0.0/8, ::1). */
async function isLoopback(url: URL): Promise<boolean> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  try {
    const addresses = await lookup(host, { all: true, verbatim: true });
    return addresses.length > 0 && addresses.every(({ address }) => /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address));
  } catch {
    return false;
  }
}
