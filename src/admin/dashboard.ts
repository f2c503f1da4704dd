// GET /dashboard on the admin listener: one page that polls GET /stats every second and draws it
// (dashboard-client.ts). Everything it loads is served from here, from the package (uPlot from npm):
// no CDN, so it works offline, and a Content-Security-Policy keeps the page to its own origin.
import { compiledScript, uplotScript, uplotStyle } from './assets.js';

export interface Asset {
  readonly type: string;
  readonly body: string;
}

/** The page and its files, by path; read from the package on first use. */
export const DASHBOARD_ASSETS: ReadonlyMap<string, () => Asset> = new Map([
  ['/dashboard', () => ({ type: 'text/html; charset=utf-8', body: PAGE })],
  ['/dashboard/uplot.js', () => ({ type: 'text/javascript; charset=utf-8', body: uplotScript() })],
  ['/dashboard/uplot.css', () => ({ type: 'text/css; charset=utf-8', body: uplotStyle() })],
  ['/dashboard/app.js', () => ({ type: 'text/javascript; charset=utf-8', body: compiledScript('./dashboard-client.js') })],
  ['/dashboard/app.css', () => ({ type: 'text/css; charset=utf-8', body: STYLE })],
]);

/** Scripts and styles from this listener only (uPlot sets element styles, hence the inline styles). */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bouncer</title>
<link rel="stylesheet" href="/dashboard/uplot.css">
<link rel="stylesheet" href="/dashboard/app.css">
</head>
<body>
<header>
  <h1>Bouncer</h1>
  <p id="status">loading /stats…</p>
</header>
<main id="figures"></main>
<section class="charts">
  <div class="chart"><h2>Requests per second, by Cache-Status</h2><div id="chart-requests"></div></div>
  <div class="chart"><h2>Origin requests per second, by purpose</h2><div id="chart-origin"></div></div>
  <div class="chart"><h2>Latency (ms, last interval)</h2><div id="chart-latency"></div></div>
</section>
<script src="/dashboard/uplot.js"></script>
<script type="module" src="/dashboard/app.js"></script>
</body>
</html>
`;

const STYLE = `
:root { color-scheme: light; --ink: #1d2330; --muted: #667085; --line: #e4e7ec; --card: #fff; --back: #f5f6f8; --accent: #2f6fde; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--ink); background: var(--back); }
header { display: flex; align-items: baseline; gap: 1.5rem; padding: 0.8rem 1.2rem; background: var(--card); border-bottom: 1px solid var(--line); }
h1 { margin: 0; font-size: 1.3rem; }
h2 { margin: 0 0 0.5rem; font-size: 0.95rem; font-weight: 600; }
#status { margin: 0; color: var(--muted); }
#status.stale { color: #b42318; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: 0.8rem; padding: 0.8rem 1.2rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 0.7rem 0.9rem; }
.card.wide { grid-column: 1 / -1; }
table { width: 100%; border-collapse: collapse; }
td, th { padding: 0.15rem 0.3rem; text-align: left; font-weight: normal; }
th { color: var(--muted); font-size: 0.8rem; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr + tr td { border-top: 1px solid var(--line); }
.big { font-size: 1.6rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.label { color: var(--muted); }
.key { font-family: ui-monospace, monospace; font-size: 0.85rem; word-break: break-all; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(26rem, 1fr)); gap: 0.8rem; padding: 0 1.2rem 1.2rem; }
.chart { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 0.7rem; min-height: 16rem; }
`;
