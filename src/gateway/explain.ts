// Explaining one request (admin POST /explain, `bouncer explain`): authorize's explanation, then, for
// a request it lets through, serve's. Wiring only: auth/explain.ts and cache/explain.ts decide, and
// admin/explain.ts words the answer. Nothing is fetched from the origin and nothing is counted.
import type { ExplainRequest, Explanation } from '../admin/explain.js';
import type { Explainer } from '../auth/explain.js';
import type { Serve } from '../cache/serve.js';
import type { RouteConfig } from '../config/schema.js';
import type { GatewayRequest } from '../http/exchange.js';

const NO_BODY: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };

export function createExplain(explainAuth: Explainer, serve: Pick<Serve, 'explain'>, routes: readonly RouteConfig[]) {
  return async function explain(spec: ExplainRequest): Promise<Explanation> {
    const method = (spec.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(spec.headers ?? {})) headers[name.toLowerCase()] = value;
    const request: GatewayRequest = { method, url: spec.url, headers, remoteAddress: spec.client ?? '', secure: false, body: spec.body === true ? NO_BODY : null };
    const auth = await explainAuth(request);
    const { verdict } = auth;
    const index = verdict?.route ?? -1;
    const config = index === -1 ? undefined : routes[index];
    const cache = verdict?.kind === 'allowed' ? await serve.explain(verdict) : undefined;
    const subject = verdict?.kind === 'allowed' ? verdict.claims?.sub : undefined;
    return {
      pid: process.pid,
      request: { method, url: spec.url },
      route:
        config === undefined
          ? null
          : { index, path: config.path, auth: config.auth, onDenied: config.onDenied, cache: config.cache?.enabled ?? true, partitionBy: config.partitionBy },
      auth: {
        token: auth.token,
        outcomes: auth.outcomes,
        remembered: auth.remembered,
        asksApp: auth.asksApp,
        decision: verdict === undefined ? undefined : verdict.kind === 'allowed' ? 'allowed' : 'refused',
        access: verdict?.kind === 'allowed' ? verdict.access : undefined,
        status: verdict?.kind === 'refused' ? verdict.response.status : undefined,
        reason: verdict?.reason ?? '',
        subject: typeof subject === 'string' ? subject : undefined,
      },
      cache,
    };
  };
}
