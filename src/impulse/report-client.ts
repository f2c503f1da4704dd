// The impulse report in the browser (inlined into the report file by report.ts; compiled by tsc, run
// by the page): a summary table and three uPlot charts drawn from the JSON the file carries. Text
// goes in through textContent only.
import type UPlot from 'uplot';
import type { ReportData } from './report.js';

declare const uPlot: typeof UPlot;

const data = JSON.parse(document.getElementById('impulse-data')!.textContent!) as ReportData;
const COLOURS = ['#2f6fde', '#f79009'];
const WIDTH = Math.min(1000, Math.max(480, document.body.clientWidth - 40));

function cell(row: HTMLTableRowElement, text: string, tag: 'td' | 'th' = 'td'): void {
  const node = document.createElement(tag);
  node.textContent = text;
  row.append(node);
}

document.getElementById('title')!.textContent = `Impulse: ${data.runs.map((run) => run.summary.target).join(' vs ')}`;
document.getElementById('generated')!.textContent = `${data.runs[0]?.summary.users ?? 0} users, generated ${data.generatedAt}`;

const table = document.getElementById('summary') as HTMLTableElement;
const head = table.insertRow();
for (const name of ['target', 'users', 'answered', 'statuses', 'no answer', 'last answer', 'p50', 'p99', 'Cache-Status', 'origin requests']) cell(head, name, 'th');
for (const { summary } of data.runs) {
  const row = table.insertRow();
  const pairs = (counts: Readonly<Record<string, number>>) => Object.entries(counts).map(([k, n]) => `${k}: ${n}`).join(', ');
  for (const text of [summary.target, String(summary.users), String(summary.answered), pairs(summary.statuses), String(summary.failed), `${summary.lastMs} ms`, `${summary.p50Ms} ms`, `${summary.p99Ms} ms`, pairs(summary.cacheStatus), summary.originRequests === null ? 'unknown' : String(summary.originRequests)]) {
    cell(row, text);
  }
}

/** Side by side when two targets share an x: the first left of it, the second right. */
function alignOf(run: number): -1 | 0 | 1 {
  return data.runs.length === 1 ? 0 : run === 0 ? -1 : 1;
}

function draw(target: string, options: Omit<UPlot.Options, 'width' | 'height'>, series: UPlot.AlignedData): void {
  new uPlot({ width: WIDTH, height: 300, ...options }, series, document.getElementById(target)!);
}

// Answers completed over time: one x axis (ms) shared by every target, each curve with its own points.
{
  const xs = [...new Set([0, ...data.runs.flatMap((run) => run.completions)])].sort((a, b) => a - b);
  const curves = data.runs.map((run) => {
    const ys: Array<number | null> = new Array(xs.length).fill(null);
    ys[0] = 0;
    run.completions.forEach((ms, i) => {
      const count = i === run.completions.length - 1 ? run.summary.answered : (i + 1) * run.step;
      ys[xs.indexOf(ms)] = count;
    });
    return ys;
  });
  draw(
    'plot-completions',
    {
      scales: { x: { time: false } },
      axes: [{ label: 'ms since the first request' }, { label: 'answers', size: 70 }],
      series: [{ label: 'ms' }, ...data.runs.map((run, i) => ({ label: run.summary.target, stroke: COLOURS[i % 2]!, width: 2, spanGaps: true }))],
    },
    [xs, ...curves] as UPlot.AlignedData,
  );
}

// Latency distribution: users per bin.
{
  const bins = Math.max(...data.runs.map((run) => run.latency.counts.length));
  const binMs = data.runs[0]?.latency.binMs ?? 1;
  const xs = Array.from({ length: bins }, (_, i) => i * binMs);
  draw(
    'plot-latency',
    {
      scales: { x: { time: false } },
      axes: [{ label: `latency, ms (bins of ${binMs} ms)` }, { label: 'users', size: 70 }],
      series: [
        { label: 'ms' },
        ...data.runs.map((run, i) => ({ label: run.summary.target, stroke: COLOURS[i % 2]!, fill: `${COLOURS[i % 2]}55`, paths: uPlot.paths.bars!({ size: [0.9], align: alignOf(i) }) })),
      ],
    },
    [xs, ...data.runs.map((run) => xs.map((_, i) => run.latency.counts[i] ?? 0))] as UPlot.AlignedData,
  );
}

// The Cache-Status breakdown: answers per word, one bar per target.
{
  const words = [...new Set(data.runs.flatMap((run) => Object.keys(run.summary.cacheStatus)))];
  const xs = words.map((_, i) => i);
  draw(
    'plot-cache-status',
    {
      scales: { x: { time: false, range: [-0.5, Math.max(0.5, words.length - 0.5)] } },
      axes: [{ label: 'Cache-Status', splits: () => xs, values: (_, ticks) => ticks.map((t) => words[t] ?? '') }, { label: 'answers', size: 70 }],
      series: [
        { label: 'word' },
        ...data.runs.map((run, i) => ({ label: run.summary.target, stroke: COLOURS[i % 2]!, fill: `${COLOURS[i % 2]}aa`, paths: uPlot.paths.bars!({ size: [0.4], align: alignOf(i) }) })),
      ],
    },
    [xs, ...data.runs.map((run) => words.map((word) => run.summary.cacheStatus[word] ?? 0))] as UPlot.AlignedData,
  );
}
