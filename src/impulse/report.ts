// `bouncer impulse --report FILE.html`: one self-contained file (uPlot, its stylesheet, the drawing
// script and the data all inline: no external scripts, styles or images) with three plots: answers
// completed over time (every target on one chart), the latency distribution, and the Cache-Status
// breakdown. The drawing is report-client.ts, compiled beside this file.
import { compiledScript, uplotScript, uplotStyle } from '../admin/assets.js';
import type { Fired } from './fire.js';
import type { Summary } from './summary.js';

export interface ReportRun {
  readonly summary: Summary;
  readonly fired: Fired;
}

/** What report-client.ts reads from the page. */
export interface ReportData {
  readonly generatedAt: string;
  readonly runs: ReadonlyArray<{
    readonly summary: Summary;
    /** Sorted completion times, ms since the first request (at most CURVE_POINTS, evenly picked). */
    readonly completions: readonly number[];
    /** How many users each point stands for (the curve's y is index × step, the last is exact). */
    readonly step: number;
    /** Latency histogram: bin width and counts. */
    readonly latency: { readonly binMs: number; readonly counts: readonly number[] };
  }>;
}

const CURVE_POINTS = 500;
const LATENCY_BINS = 40;

export function reportHtml(runs: readonly ReportRun[]): string {
  const maxLatency = Math.max(1, ...runs.flatMap((run) => run.fired.results.filter((r) => r.status !== undefined).map((r) => r.latencyMs)));
  const binMs = niceBin(maxLatency / LATENCY_BINS);
  const data: ReportData = {
    generatedAt: new Date().toISOString(),
    runs: runs.map(({ summary, fired }) => {
      const answered = fired.results.filter((r) => r.status !== undefined);
      const done = answered.map((r) => r.doneAtMs).sort((a, b) => a - b);
      const step = Math.max(1, Math.ceil(done.length / CURVE_POINTS));
      const completions = done.filter((_, i) => i % step === step - 1 || i === done.length - 1);
      const counts = new Array<number>(Math.ceil(maxLatency / binMs) + 1).fill(0);
      for (const r of answered) counts[Math.floor(r.latencyMs / binMs)]! += 1;
      return { summary, completions: completions.map(round), step, latency: { binMs, counts } };
    }),
  };
  // Inside <script>: "<" escaped so no value (a URL, say) can close the element. Text reaches the
  // page only through the client's textContent, never as markup.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>Bouncer impulse report</title>
<style>${inline(uplotStyle())}</style>
<style>${STYLE}</style>
</head>
<body>
<h1 id="title">Impulse</h1>
<p id="generated"></p>
<table id="summary"></table>
<div class="chart"><h2>Answers completed over time</h2><div id="plot-completions"></div></div>
<div class="chart"><h2>Latency distribution (per user, ms)</h2><div id="plot-latency"></div></div>
<div class="chart"><h2>Cache-Status breakdown</h2><div id="plot-cache-status"></div></div>
<script type="application/json" id="impulse-data">${json}</script>
<script>${inline(uplotScript())}</script>
<script type="module">${inline(compiledScript('../impulse/report-client.js'))}</script>
</body>
</html>
`;
}

const STYLE = `
body { margin: 1.5rem; font: 14px/1.4 system-ui, sans-serif; color: #1d2330; }
h1 { font-size: 1.3rem; margin: 0 0 0.3rem; }
h2 { font-size: 1rem; margin: 0 0 0.4rem; }
#generated { color: #667085; margin: 0 0 1rem; }
table { border-collapse: collapse; margin-bottom: 1.2rem; }
td, th { padding: 0.2rem 0.8rem; border-bottom: 1px solid #e4e7ec; text-align: right; font-variant-numeric: tabular-nums; }
td:first-child, th:first-child { text-align: left; }
.chart { margin: 0 0 1.5rem; }
`;

/** Text put inside a <script> or <style> element, which must not end it early. */
function inline(text: string): string {
  if (/<\/(script|style)/i.test(text)) throw new Error('an inlined asset contains a closing tag');
  return text;
}

/** A bin width of 1, 2 or 5 × a power of ten ms, at least 0.1. */
function niceBin(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 0.1)));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= raw) return Math.max(0.1, factor * power);
  return 10 * power;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
