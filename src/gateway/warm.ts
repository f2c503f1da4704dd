// Warming: fetch listed URLs into the cache before the crowd asks, with a service identity (the
// configured subject plus, for partitioned routes, each listed set of partition claims).
import type { Authorizer } from '../auth/authorize.js';
import type { WarmResult, WarmSummary } from '../admin/server.js';
import type { Serve } from '../cache/serve.js';
import type { GatewayRequest } from '../http/exchange.js';

export interface WarmList {
  readonly urls: readonly string[];
  readonly partitions: ReadonlyArray<Readonly<Record<string, string | number | boolean>>>;
  readonly subject: string;
  readonly concurrency: number;
}

export function createWarmer(authorizer: Authorizer, serve: Serve, isCached: (route: number) => boolean, partitioned: (route: number) => boolean) {
  async function warmOne(url: string, partition: Readonly<Record<string, unknown>>, subject: string): Promise<WarmResult> {
    const verdict = authorizer.service(requestFor(url), { sub: subject, ...partition });
    if (verdict.kind === 'refused') return { url, partition, status: verdict.response.status, stored: false, bytes: 0, error: verdict.reason };
    if (!isCached(verdict.route)) return { url, partition, status: 0, stored: false, bytes: 0, error: 'no caching route matches' };
    try {
      const result = await serve.warm(verdict);
      return { url, partition, ...result, ...(result.stored ? {} : { error: `not stored (status ${result.status})` }) };
    } catch (error) {
      return { url, partition, status: 0, stored: false, bytes: 0, error: (error as Error).message };
    }
  }

  /** A URL on a partitioned route is warmed once per listed partition; any other URL once. */
  function jobsOf(list: WarmList) {
    return list.urls.flatMap((url) => {
      const verdict = authorizer.service(requestFor(url), {});
      return verdict.kind === 'allowed' && partitioned(verdict.route) && list.partitions.length > 0 ? list.partitions.map((partition) => ({ url, partition })) : [{ url, partition: {} }];
    });
  }

  /** Warms every job, a bounded number at a time. */
  async function warm(list: WarmList, onResult?: (result: WarmResult) => void): Promise<WarmSummary> {
    const jobs = jobsOf(list);
    const results: WarmResult[] = [];
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const result = await warmOne(job.url, job.partition, list.subject);
        results.push(result);
        onResult?.(result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(list.concurrency, jobs.length) }, worker));
    const warmed = results.filter((r) => r.stored).length;
    return { warmed, failed: results.length - warmed, bytes: results.reduce((sum, r) => sum + r.bytes, 0), results };
  }

  return { warm };
}

function requestFor(url: string): GatewayRequest {
  return { method: 'GET', url, headers: {}, remoteAddress: '127.0.0.1', secure: false, body: null };
}
