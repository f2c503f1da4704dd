// `bouncer warm FILE`: sends the file's URLs to the admin API one at a time, with a progress bar on
// standard error and a summary (warmed, failed, bytes) on standard output.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { WarmSummary } from './server.js';
import { postAdmin, type AdminTarget } from './client.js';

const warmFileSchema = z.union([
  z.array(z.string()),
  z.strictObject({
    urls: z.array(z.string()).min(1),
    partitions: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))).optional(),
  }),
]);

/** A YAML/JSON list (or `{urls, partitions}`), or plain text with one URL a line (# comments). */
export function readWarmFile(file: string): { urls: string[]; partitions?: Record<string, string | number | boolean>[] } {
  const text = readFileSync(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch {
    parsed = undefined;
  }
  const structured = warmFileSchema.safeParse(parsed);
  if (structured.success) return Array.isArray(structured.data) ? { urls: structured.data } : structured.data;
  const urls = text.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean);
  return { urls };
}

export async function warmFromFile(target: AdminTarget, file: string, out: { progress: NodeJS.WriteStream; summary: NodeJS.WriteStream }) {
  const { urls, partitions } = readWarmFile(file);
  const total = urls.length;
  const totals = { warmed: 0, failed: 0, bytes: 0 };
  const failures: string[] = [];
  for (const [index, url] of urls.entries()) {
    try {
      const summary = await postAdmin<WarmSummary>(target, '/warm', { urls: [url], ...(partitions ? { partitions } : {}) });
      totals.warmed += summary.warmed;
      totals.failed += summary.failed;
      totals.bytes += summary.bytes;
      for (const result of summary.results) if (result.error) failures.push(`${result.url}: ${result.error}`);
    } catch (error) {
      totals.failed++;
      failures.push(`${url}: ${(error as Error).message}`);
    }
    drawProgress(out.progress, index + 1, total);
  }
  if (out.progress.isTTY) out.progress.write('\n');
  for (const failure of failures) out.progress.write(`failed ${failure}\n`);
  out.summary.write(`warmed ${totals.warmed}, failed ${totals.failed}, ${formatBytes(totals.bytes)}\n`);
  return totals;
}

function drawProgress(stream: NodeJS.WriteStream, done: number, total: number): void {
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
  // On a terminal the bar redraws in place; in a log it becomes one line per step.
  stream.write(stream.isTTY ? `\r${bar}` : `${bar}\n`);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
