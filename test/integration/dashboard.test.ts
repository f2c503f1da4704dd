// The operator's live view, in a real headless browser (Debian's chromium through puppeteer-core):
// GET /dashboard from the admin port shows figures whose data-value attributes become non-zero after
// traffic and change without a reload; the public port never serves it; GET /stats sums workers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { startGateway, type GatewayProcess } from '../helpers/gateway.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { bearer, get } from '../helpers/http.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';
import { inkOf, launchBrowser, screenshotPath, type TestBrowser } from '../helpers/browser.js';

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in time; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function traffic(gateway: GatewayProcess, requests: number, path = '/api/feed'): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const token = await hs256();
  const replies = await Promise.all(Array.from({ length: requests }, (_, i) => get(`${gateway.url}${path}${i % 3}`, bearer(token), { agent })));
  agent.destroy();
  assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
}

describe('the dashboard in a headless browser', () => {
  let origin: TestOrigin;
  let gateway: GatewayProcess;
  let browser: TestBrowser;

  before(async () => {
    origin = await startOrigin();
    gateway = await startGateway({ upstream: origin.url, jwt: jwtConfig(), routes: [{ path: '/api/' }] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop();
    await origin?.close();
  });

  test('loads from the admin port, shows non-zero request and hit figures after traffic, and updates without a reload', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(request.url()));
    page.on('pageerror', (error) => failed.push(String(error)));
    const response = await page.goto(`${gateway.adminUrl}/dashboard`, { waitUntil: 'load' });
    assert.equal(response?.status(), 200);
    const value = (metric: string) =>
      page.evaluate((name) => {
        const node = document.querySelector(`[data-metric='${name}']`);
        return node === null ? null : Number(node.getAttribute('data-value'));
      }, metric);
    const requests = `bouncer_requests_total`;
    const hits = `bouncer_requests_total{cache_status="hit"}`;
    assert.equal(await until(() => value(requests), (v) => v !== null), 0, 'figures are drawn before any traffic, at 0');

    await traffic(gateway, 30);
    const first = await until(() => value(requests), (v) => v !== null && v >= 30);
    assert.equal(first, 30);
    const hitCount = await until(() => value(hits), (v) => v !== null && v > 0);
    const collapsed = await value(`bouncer_requests_total{cache_status="collapsed"}`);
    assert.equal(hitCount! + collapsed!, 27, 'three misses; the others waited for them or hit');
    assert.ok((await value('bouncer_cache_objects'))! >= 3);
    assert.equal(await value('bouncer_origin_requests_total'), 3);

    // More traffic: the same page (no reload) shows the new totals and a rate.
    const loads = await page.evaluate(() => performance.getEntriesByType('navigation').length);
    await traffic(gateway, 20);
    assert.equal(await until(() => value(requests), (v) => v === 50), 50);
    assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), loads, 'not reloaded');
    const every = await page.$$eval('[data-metric]', (nodes) => nodes.map((node) => [node.getAttribute('data-metric'), node.getAttribute('data-value')] as const));
    assert.ok(every.length > 50, `figures: ${every.length}`);
    for (const [metric, text] of every) assert.ok(metric !== null && text !== null && Number.isFinite(Number(text)), `${metric}=${text}`);
    assert.ok(every.some(([metric]) => metric === 'hit_ratio'));
    assert.ok(every.some(([metric]) => metric?.startsWith('bouncer_request_duration_seconds{quantile=')));
    assert.ok(every.some(([metric]) => metric?.startsWith(`bouncer_requests_total{worker=`)), 'a per-worker row');
    assert.deepEqual(failed, [], 'nothing failed to load (no external script, style or image)');

    const path = screenshotPath('dashboard');
    const png = await page.screenshot({ path, fullPage: true });
    const { ink, colours } = await inkOf(browser, png);
    assert.ok(ink > 0.02 && colours > 16, `the screenshot (${path}) is not blank: ink ${ink}, colours ${colours}`);
    await page.close();
  });

  test('the dashboard loads nothing from outside the admin listener (Content-Security-Policy)', async () => {
    const response = await fetch(`${gateway.adminUrl}/dashboard`);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
    const html = await response.text();
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no absolute script, style or image URL');
    const script = await fetch(`${gateway.adminUrl}/dashboard/uplot.js`);
    assert.equal(script.status, 200);
    assert.match(await script.text(), /uPlot/);
  });

  test('the public port never serves it: /dashboard and /stats there are the origin\'s', async () => {
    for (const path of ['/dashboard', '/dashboard/app.js', '/stats']) {
      const before = origin.hits(path);
      const reply = await get(`${gateway.url}${path}`);
      assert.equal(origin.hits(path), before + 1, `${path} was proxied to the origin`);
      assert.doesNotMatch(reply.body, /data-metric|uPlot|"totals"/);
    }
  });

  test('GET /stats: totals beside rates, latency, hot keys', async () => {
    const stats = (await (await fetch(`${gateway.adminUrl}/stats`)).json()) as Record<string, any>;
    assert.equal(stats.totals.requests.total, 53, '50 on /api/, 3 proxied by the test above');
    assert.equal(stats.totals.requests.bypass, 3);
    assert.equal(stats.totals.requests.hit + stats.totals.requests.collapsed, 47);
    assert.equal(stats.totals.originRequests.pass, 3);
    assert.equal(stats.totals.originRequests.miss, 3);
    assert.equal(stats.totals.auth.remembered + stats.totals.auth.verified, 50);
    assert.ok(stats.rates.requests.total >= 0);
    assert.equal(stats.workers.length, 1);
    assert.ok(stats.latencyMs.p99 > 0);
    assert.ok(stats.hotKeys.length >= 1 && stats.hotKeys.every((hot: { url: string }) => hot.url.startsWith('GET /api/feed')), JSON.stringify(stats.hotKeys));
  });
});

test('GET /stats with workers: 2 answers per worker and summed', async () => {
  const origin = await startOrigin();
  const gateway = await startGateway({ upstream: origin.url, jwt: jwtConfig(), routes: [{ path: '/api/' }], workers: 2, admin: { listen: '127.0.0.1:0', secret: 'admin-secret-for-worker-tests-01' } });
  try {
    await traffic(gateway, 60);
    const stats = (await (await fetch(`${gateway.adminUrl}/stats`)).json()) as Record<string, any>;
    assert.equal(stats.workers.length, 2);
    assert.equal(stats.totals.requests.total, 60);
    assert.equal(stats.workers[0].requests.total + stats.workers[1].requests.total, 60);
    assert.equal(stats.cache.objects, stats.workers[0].cache.objects + stats.workers[1].cache.objects);
    // Explain, too, asks every worker: each answers for its own cache.
    const response = await fetch(`${gateway.adminUrl}/explain`, { method: 'POST', headers: { authorization: 'Bearer admin-secret-for-worker-tests-01' }, body: JSON.stringify({ url: '/api/feed0', token: await hs256() }) });
    const answer = (await response.json()) as Record<string, any>;
    assert.equal(answer.workers.length, 2);
    assert.deepEqual(new Set(answer.workers.map((w: { pid: number }) => w.pid)), new Set(stats.workers.map((w: { pid: number }) => w.pid)));
  } finally {
    await gateway.stop();
    await origin.close();
  }
});
