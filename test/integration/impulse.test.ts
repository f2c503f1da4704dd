// `bouncer impulse` against `bouncer demo`, both real processes under the runtime being tested: the
// demo's own ready line, 2,000 distinct users, every one answered, one origin request reported, and
// the --report file rendered in a headless browser (its screenshot is not blank).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, runCli, runtime, tempDir } from '../helpers/gateway.js';
import { inkOf, launchBrowser, screenshotPath } from '../helpers/browser.js';

interface Demo {
  readonly child: ChildProcess;
  /** The arguments of the demo's printed impulse line (after "impulse"). */
  readonly impulse: string[];
  readonly gateway: string;
  readonly origin: string;
}

async function startDemo(): Promise<Demo> {
  const child = spawn(runtime(), [CLI, 'demo', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: tempDir() });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo not ready:\n${output}`)), 15_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const line = /^\s*\S+ \S+ impulse (.+)$/m.exec(output);
      const gateway = /gateway (http:\/\/\S+) → demo origin (http:\/\/\S+)/.exec(output);
      if (line === null || gateway === null) return;
      clearTimeout(timer);
      resolve({ child, impulse: line[1]!.trim().split(/\s+/), gateway: gateway[1]!, origin: gateway[2]! });
    });
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${output}`)));
  });
}

describe('bouncer impulse against the demo', () => {
  let demo: Demo;
  before(async () => {
    demo = await startDemo();
  });
  after(async () => {
    demo.child.kill('SIGTERM');
    await once(demo.child, 'exit');
  });

  test('2,000 users: all answered, one origin request, and a report whose plots render', async () => {
    const dir = tempDir();
    const report = join(dir, 'impulse.html');
    const args = demo.impulse.map((arg) => (arg === 'impulse.html' ? report : arg));
    assert.ok(args.includes('--users') && args[args.indexOf('--users') + 1] === '2000', `the demo's line: ${args.join(' ')}`);
    const run = await runCli(['impulse', ...args, '--json'], 120_000);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as Record<string, any>;
    assert.equal(result.users, 2000);
    assert.equal(result.answered, 2000);
    assert.equal(result.failed, 0);
    assert.deepEqual(result.statuses, { 200: 2000 });
    assert.equal(result.originRequests, 1, 'one origin request for 2,000 users');
    assert.equal(Object.values(result.cacheStatus as Record<string, number>).reduce((a, b) => a + b, 0), 2000);
    assert.equal(result.cacheStatus.miss, 1);
    assert.ok(result.lastMs > 0 && result.p50Ms > 0 && result.p99Ms >= result.p50Ms, JSON.stringify(result));
    assert.equal(result.compare, undefined);
    assert.match(run.stderr, /\[#+\] 2000\/2000/, 'a progress bar on stderr');
    for (const field of ['target', 'users', 'answered', 'statuses', 'failed', 'lastMs', 'p50Ms', 'p99Ms', 'cacheStatus', 'originRequests']) assert.ok(field in result, field);

    const html = readFileSync(report, 'utf8');
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|url\(\s*['"]?https?:/i, 'self-contained: no external scripts, styles or images');
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const failures: string[] = [];
      page.on('pageerror', (error) => failures.push(String(error)));
      page.on('requestfailed', (request) => failures.push(request.url()));
      await page.goto(`file://${report}`, { waitUntil: 'load' });
      const canvases = await page.$$eval('.chart canvas', (nodes) => nodes.length);
      assert.ok(canvases >= 3, `three plots drawn (canvases: ${canvases})`);
      assert.deepEqual(failures, []);
      const path = screenshotPath('impulse-report');
      const png = await page.screenshot({ path, fullPage: true });
      const { ink, colours } = await inkOf(browser, png);
      assert.ok(ink > 0.02 && colours > 16, `the screenshot (${path}) is not blank: ink ${ink}, colours ${colours}`);
    } finally {
      await browser.close();
    }
  });

  test('--compare runs the same crowd against a second URL and puts both side by side', async () => {
    const args = demo.impulse.filter((arg) => arg !== 'impulse.html' && arg !== '--report');
    args[args.indexOf('--users') + 1] = '40';
    const run = await runCli(['impulse', ...args, '--compare', `${demo.origin}/api/v1/feed`, '--json'], 60_000);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as Record<string, any>;
    assert.equal(result.answered, 40);
    assert.equal(result.cacheStatus.hit, 40, 'warm by now');
    assert.equal(result.originRequests, 0);
    assert.equal(result.compare.target, `${demo.origin}/api/v1/feed`);
    assert.equal(result.compare.answered, 40);
    assert.deepEqual(result.compare.cacheStatus, { none: 40 }, 'the bare origin sends no Cache-Status');
    assert.equal(result.compare.originRequests, null, 'only Bouncer can tell its origin requests');
  });

  test('exit 1 unless every user got a 2xx (a wrong secret: 401s)', async () => {
    const args = demo.impulse.filter((arg) => arg !== 'impulse.html' && arg !== '--report');
    args[args.indexOf('--users') + 1] = '20';
    args[args.indexOf('--secret') + 1] = 'not-the-secret-of-this-demo-at-all-0123456789';
    const run = await runCli(['impulse', ...args, '--json'], 60_000);
    assert.equal(run.code, 1);
    const result = JSON.parse(run.stdout) as Record<string, any>;
    assert.deepEqual(result.statuses, { 401: 20 });
    assert.deepEqual(result.cacheStatus, { denied: 20 });
  });
});

test('impulse refuses a target that is not loopback unless --allow-remote (no request is sent)', async () => {
  const run = await runCli(['impulse', 'http://192.0.2.10:8080/api/x', '--users', '10', '--secret', 'x'.repeat(32)]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /not a loopback address.*--allow-remote/);
  const usage = await runCli(['impulse', 'http://127.0.0.1:1/x', '--users', '10']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--config FILE or --secret/);
});
