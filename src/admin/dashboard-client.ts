// The dashboard in the browser (served as /dashboard/app.js; compiled by tsc like the rest, run by the
// page, not by Node). Polls GET /stats every second and shows it: each figure an element whose
// data-metric names what it shows and whose data-value holds the exact number, whatever the display
// rounds to. Names: a metric of /metrics with its labels for totals since start
// (bouncer_requests_total{cache_status="hit"}), rate(…) for per-second rates over the last interval,
// recent(…) for other figures of that interval, and plain names for figures derived from several
// metrics (hit_ratio, auth_allowed…). Text from the gateway (cache keys are URLs anyone can send)
// only ever goes in through textContent and attribute values, never as markup.
import type UPlot from 'uplot';
import type { Stats } from './stats.js';

declare const uPlot: typeof UPlot;

type Format = 'count' | 'rate' | 'ratio' | 'seconds' | 'uptime' | 'bytes';

interface Figure {
  readonly metric: string;
  readonly value: number;
  readonly format: Format;
}

interface Row {
  readonly label: string;
  readonly cells: readonly Figure[];
  /** Rows naming a key (monospace). */
  readonly key?: boolean;
  /** A second text column (a hot key's auth state and partition). */
  readonly detail?: string;
}

interface Card {
  readonly id: string;
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
  readonly wide?: boolean;
}

const WORDS = ['hit', 'stale', 'revalidated', 'miss', 'collapsed', 'bypass', 'denied', 'error'] as const;
const PURPOSES = ['miss', 'revalidate', 'refresh', 'warm', 'pass'] as const;
const POLL_MS = 1000;
const HISTORY = 300;

const labelled = (metric: string, labels: Record<string, string>) => {
  const list = Object.entries(labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return list.length === 0 ? metric : `${metric}{${list.join(',')}}`;
};
const fig = (metric: string, value: number, format: Format): Figure => ({ metric, value, format });

function cards(s: Stats): Card[] {
  const req = (word?: string) => labelled('bouncer_requests_total', word === undefined ? {} : { cache_status: word });
  const origin = (purpose?: string) => labelled('bouncer_origin_requests_total', purpose === undefined ? {} : { purpose });
  const outcome = (name: string) => labelled('bouncer_auth_decisions_total', { outcome: name });
  const duration = (q: string) => labelled('bouncer_request_duration_seconds', { quantile: q });
  const t = s.totals;
  const r = s.rates;
  const failedVerifications = Object.entries(t.verifications).filter(([result]) => result !== 'valid');
  return [
    {
      id: 'overview',
      title: 'Since start',
      columns: ['', ''],
      rows: [
        { label: 'requests', cells: [fig(req(), t.requests.total, 'count')] },
        { label: 'hits', cells: [fig(req('hit'), t.requests.hit ?? 0, 'count')] },
        { label: 'origin requests', cells: [fig(origin(), t.originRequests.total, 'count')] },
        { label: 'hit ratio', cells: [fig('hit_ratio', t.hitRatio, 'ratio')] },
        { label: 'uptime', cells: [fig('uptime_seconds', s.uptimeSeconds, 'uptime')] },
      ],
    },
    {
      id: 'requests',
      title: 'Requests by Cache-Status',
      columns: ['', 'since start', 'per second'],
      rows: [
        { label: 'all', cells: [fig(req(), t.requests.total, 'count'), fig(`rate(${req()})`, r.requests.total, 'rate')] },
        ...WORDS.map((word) => ({ label: word, cells: [fig(req(word), t.requests[word] ?? 0, 'count'), fig(`rate(${req(word)})`, r.requests[word] ?? 0, 'rate')] })),
        { label: 'hit ratio', cells: [fig('hit_ratio', t.hitRatio, 'ratio'), fig('recent(hit_ratio)', r.hitRatio, 'ratio')] },
      ],
    },
    {
      id: 'origin',
      title: 'Origin requests by purpose',
      columns: ['', 'since start', 'per second'],
      rows: [
        { label: 'all', cells: [fig(origin(), t.originRequests.total, 'count'), fig(`rate(${origin()})`, r.originRequests.total, 'rate')] },
        ...PURPOSES.map((purpose) => ({
          label: purpose === 'miss' ? 'client miss' : purpose === 'refresh' ? 'refresh ahead' : purpose,
          cells: [fig(origin(purpose), t.originRequests[purpose] ?? 0, 'count'), fig(`rate(${origin(purpose)})`, r.originRequests[purpose] ?? 0, 'rate')],
        })),
        {
          label: 'collapsed waiters',
          cells: [fig('bouncer_collapsed_waiters_total', t.collapsedWaiters, 'count'), fig('rate(bouncer_collapsed_waiters_total)', r.collapsedWaiters, 'rate')],
        },
      ],
    },
    {
      id: 'auth',
      title: 'Auth decisions',
      columns: ['', 'since start', 'per second'],
      rows: [
        ...(['allowed', 'denied', 'remembered', 'verified'] as const).map((name) => ({
          label: name,
          cells: [fig(`auth_${name}`, t.auth[name], 'count'), fig(`rate(auth_${name})`, r.auth[name], 'rate')],
        })),
        ...Object.entries(t.auth.outcomes)
          .filter(([name]) => name !== 'total')
          .map(([name, n]) => ({ label: name, cells: [fig(outcome(name), n, 'count'), fig(`rate(${outcome(name)})`, r.auth.outcomes[name] ?? 0, 'rate')] })),
        ...failedVerifications.map(([result, n]) => ({
          label: `verify: ${result}`,
          cells: [fig(labelled('bouncer_signature_verifications_total', { result }), n, 'count'), fig(`rate(${labelled('bouncer_signature_verifications_total', { result })})`, r.verifications[result] ?? 0, 'rate')],
        })),
      ],
    },
    {
      id: 'latency',
      title: 'Latency (to response headers)',
      columns: ['', 'since start', 'last interval'],
      rows: (['0.5', '0.9', '0.99'] as const).map((q) => {
        const key = q === '0.5' ? 'p50' : q === '0.9' ? 'p90' : 'p99';
        return { label: key, cells: [fig(duration(q), s.latencyMs[key] / 1000, 'seconds'), fig(`recent(${duration(q)})`, s.recentLatencyMs[key] / 1000, 'seconds')] };
      }),
    },
    {
      id: 'store',
      title: 'Store, revocations, purges',
      columns: ['', ''],
      rows: [
        { label: 'stored objects', cells: [fig('bouncer_cache_objects', s.cache.objects, 'count')] },
        { label: 'stored bytes', cells: [fig('bouncer_cache_bytes', s.cache.bytes, 'bytes')] },
        { label: 'revocations held', cells: [fig('bouncer_revocations', s.revocations.total, 'count')] },
        ...Object.entries(s.revocations)
          .filter(([kind]) => kind !== 'total')
          .map(([kind, n]) => ({ label: `revoked by ${kind}`, cells: [fig(labelled('bouncer_revocations', { kind }), n, 'count')] })),
        { label: 'purged', cells: [fig(labelled('bouncer_cache_stores_total', { result: 'purged' }), t.purged, 'count')] },
        { label: 'invalidated', cells: [fig(labelled('bouncer_cache_stores_total', { result: 'invalidated' }), t.stores.invalidated ?? 0, 'count')] },
        { label: 'store faults', cells: [fig('bouncer_cache_store_faults_total', t.storeFaults, 'count')] },
      ],
    },
    {
      id: 'hot',
      title: 'Hottest keys (estimated from a sample of lookups)',
      columns: ['key', 'auth · partition', 'requests', 'bytes'],
      wide: true,
      rows: s.hotKeys.map((hot) => {
        const key = { url: hot.url, access: hot.access, ...(hot.partition === '' ? {} : { partition: hot.partition }) };
        return {
          label: hot.url,
          key: true,
          cells: [fig(labelled('hot_key_requests', key), hot.requests, 'count'), fig(labelled('hot_key_bytes', key), hot.bytes, 'bytes')],
          detail: `${hot.access}${hot.partition === '' ? '' : ` · ${hot.partition}`}`,
        };
      }),
    },
    {
      id: 'workers',
      title: 'Per worker',
      columns: ['pid', 'requests', 'hit ratio', 'origin requests', 'collapsed', 'objects', 'bytes', 'p99'],
      wide: true,
      rows: s.workers.map((w) => {
        const worker = { worker: String(w.pid) };
        return {
          label: String(w.pid),
          cells: [
            fig(labelled('bouncer_requests_total', worker), w.requests.total, 'count'),
            fig(labelled('hit_ratio', worker), w.hitRatio, 'ratio'),
            fig(labelled('bouncer_origin_requests_total', worker), w.originRequests, 'count'),
            fig(labelled('bouncer_collapsed_waiters_total', worker), w.collapsedWaiters, 'count'),
            fig(labelled('bouncer_cache_objects', worker), w.cache.objects, 'count'),
            fig(labelled('bouncer_cache_bytes', worker), w.cache.bytes, 'bytes'),
            fig(labelled('bouncer_request_duration_seconds', { ...worker, quantile: '0.99' }), w.latencyMs.p99 / 1000, 'seconds'),
          ],
        };
      }),
    },
  ];
}

function format(value: number, kind: Format): string {
  switch (kind) {
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'rate':
      return `${value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 2 : 1 })}/s`;
    case 'ratio':
      return `${(value * 100).toFixed(1)}%`;
    case 'seconds': {
      const ms = value * 1000;
      return `${ms.toLocaleString('en-US', { maximumFractionDigits: ms < 1 ? 3 : 1 })} ms`;
    }
    case 'uptime': {
      const s = Math.floor(value);
      return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
    }
    case 'bytes':
      return value < 1024 ? `${value} B` : value < 1024 ** 2 ? `${(value / 1024).toFixed(1)} KiB` : `${(value / 1024 ** 2).toFixed(1)} MiB`;
  }
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function setFigure(node: HTMLElement, figure: Figure): void {
  node.setAttribute('data-metric', figure.metric);
  node.setAttribute('data-value', String(figure.value));
  node.textContent = format(figure.value, figure.format);
}

/** Updates a card in place while its rows are the same, rebuilds it when they change (hot keys, workers). */
function renderCard(container: HTMLElement, card: Card): void {
  const shape = JSON.stringify([card.columns, card.rows.map((row) => [row.label, row.detail ?? '', row.cells.map((c) => c.metric)])]);
  const node = document.getElementById(`card-${card.id}`);
  if (node !== null && node.dataset.shape === shape) {
    const cells = node.querySelectorAll<HTMLElement>('[data-metric]');
    card.rows.flatMap((row) => row.cells).forEach((figure, i) => setFigure(cells[i]!, figure));
    return;
  }
  const fresh = element('section', card.wide === true ? 'card wide' : 'card');
  fresh.id = `card-${card.id}`;
  fresh.dataset.shape = shape;
  fresh.append(element('h2', undefined, card.title));
  const table = element('table');
  if (card.columns.some((c) => c !== '')) {
    const head = element('tr');
    card.columns.forEach((column, i) => head.append(element('th', i === 0 || (card.id === 'hot' && i === 1) ? undefined : 'n', column)));
    table.append(head);
  }
  for (const row of card.rows) {
    const tr = element('tr');
    tr.append(element('td', row.key === true ? 'key' : 'label', row.label));
    if (row.detail !== undefined) tr.append(element('td', 'label', row.detail));
    for (const figure of row.cells) {
      const td = element('td', 'n');
      setFigure(td, figure);
      tr.append(td);
    }
    table.append(tr);
  }
  if (card.rows.length === 0) table.append(element('tr', 'label', 'nothing yet'));
  fresh.append(table);
  if (node === null) container.append(fresh);
  else node.replaceWith(fresh);
}

// ── charts: the last HISTORY polls ──────────────────────────────────────────────────────────────

interface Chart {
  readonly plot: UPlot;
  readonly data: number[][];
  readonly pick: (s: Stats) => number[];
}

const COLOURS = ['#2f6fde', '#12b76a', '#7a5af8', '#f79009', '#0ba5ec', '#98a2b3', '#f04438', '#b42318'];

function chart(target: string, names: readonly string[], pick: (s: Stats) => number[]): Chart {
  const root = document.getElementById(target)!;
  const data: number[][] = [[], ...names.map(() => [])];
  const plot = new uPlot(
    {
      width: Math.max(320, root.clientWidth || 480),
      height: 220,
      series: [{}, ...names.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length]!, width: 1.5 }))],
      axes: [{}, { size: 60 }],
    },
    data as unknown as UPlot.AlignedData,
    root,
  );
  return { plot, data, pick };
}

let charts: Chart[] | undefined;

function plot(s: Stats): void {
  charts ??= [
    chart('chart-requests', WORDS, (x) => WORDS.map((w) => x.rates.requests[w] ?? 0)),
    chart('chart-origin', PURPOSES, (x) => PURPOSES.map((p) => x.rates.originRequests[p] ?? 0)),
    chart('chart-latency', ['p50', 'p99'], (x) => [x.recentLatencyMs.p50, x.recentLatencyMs.p99]),
  ];
  for (const c of charts) {
    c.data[0]!.push(s.at / 1000);
    c.pick(s).forEach((value, i) => c.data[i + 1]!.push(value));
    if (c.data[0]!.length > HISTORY) for (const series of c.data) series.shift();
    c.plot.setData(c.data as unknown as UPlot.AlignedData);
  }
}

// ── polling ─────────────────────────────────────────────────────────────────────────────────────

const status = document.getElementById('status')!;
const figures = document.getElementById('figures')!;

async function poll(): Promise<void> {
  try {
    const response = await fetch('/stats', { cache: 'no-store' });
    if (!response.ok) throw new Error(`/stats answered ${response.status}`);
    const stats = (await response.json()) as Stats;
    for (const card of cards(stats)) renderCard(figures, card);
    plot(stats);
    const workers = stats.workers.length;
    status.textContent = `updated ${new Date(stats.at).toLocaleTimeString()} · ${workers} worker${workers === 1 ? '' : 's'} · every ${POLL_MS / 1000} s`;
    status.className = '';
  } catch (error) {
    status.textContent = `no answer from /stats (${(error as Error).message}); retrying`;
    status.className = 'stale';
  } finally {
    setTimeout(() => void poll(), POLL_MS);
  }
}

void poll();
