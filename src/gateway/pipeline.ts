// The request pipeline: authorize (auth/: route → token → decide) then serve (cache/: key → lookup
// → fetch → store → deliver). Wiring only: it times each request, answers refusals, and turns what
// escapes into a clean, logged 5xx. It knows nothing of node:http or Bun; fronts hand it a
// GatewayRequest and write what it returns. With companion mode on, the companion path is answered
// from authorize alone (admin/companion.ts).
import type { Logger } from 'pino';
import type { Companion } from '../admin/companion.js';
import type { Authorizer } from '../auth/authorize.js';
import type { RevokeRequest } from '../auth/revocation-authority.js';
import { AppAuthError } from '../auth/errors.js';
import type { Serve } from '../cache/serve.js';
import { isPromise, type GatewayRequest, type GatewayResponse, type Handler } from '../http/exchange.js';
import { AUTH_UNAVAILABLE, INTERNAL_ERROR, LOGGED_OUT, REVOCATION_UNAVAILABLE, upstreamFailure } from '../http/responses.js';
import type { Allowed, Verdict } from '../http/verdict.js';
import type { Metrics } from '../observability/metrics.js';
import { UpstreamError } from '../upstream/origin.js';

export interface PipelineDeps {
  readonly authorizer: Authorizer;
  readonly serve: Serve;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Logout paths (config.logout): exact paths, each revoking the token or every token of its sub. */
  readonly logout?: {
    readonly paths: ReadonlyMap<string, { readonly all: boolean }>;
    readonly answer: boolean;
    readonly revoke: ((request: RevokeRequest) => Promise<number>) | undefined;
  } | undefined;
  /** The nginx auth_request companion (companion.path), or undefined when it is off. */
  readonly companion?: Companion | undefined;
}

export function createPipeline(deps: PipelineDeps): Handler {
  const { authorizer, serve, metrics, log, companion } = deps;
  const denied = metrics.requests.labels('denied');
  const errors = metrics.requests.labels('error');
  const duration = metrics.duration;

  function handle(request: GatewayRequest): GatewayResponse | Promise<GatewayResponse> {
    const started = performance.now();
    let response: GatewayResponse | Promise<GatewayResponse>;
    try {
      if (companion !== undefined && companion.answers(request.url)) {
        response = companion.answer(request);
      } else {
        const verdict = authorizer.authorize(request);
        response = isPromise(verdict) ? verdict.then(served) : served(verdict);
      }
    } catch (error) {
      response = failed(error, request);
    }
    if (!isPromise(response)) {
      timed(started);
      return response;
    }
    return response.then(
      (settled) => (timed(started), settled),
      (error: unknown) => (timed(started), failed(error, request)),
    );
  }

  function served(verdict: Verdict): GatewayResponse | Promise<GatewayResponse> {
    if (verdict.kind === 'allowed') {
      const logout = deps.logout?.paths.get(verdict.path);
      if (logout !== undefined && verdict.access === 'user' && verdict.credential !== undefined) return loggedOut(verdict, logout.all);
      return serve.serve(verdict);
    }
    (verdict.response.status === 400 ? errors : denied).inc();
    return verdict.response;
  }

  /** A valid token on a logout path: revoked everywhere (durably), then the app's answer or a 204. */
  async function loggedOut(verdict: Allowed, all: boolean): Promise<GatewayResponse> {
    const revoke = deps.logout!.revoke;
    const sub = verdict.claims?.sub;
    try {
      if (revoke === undefined) throw new Error('no revocation owner in this process');
      await revoke(all && typeof sub === 'string' ? { sub } : { token: verdict.credential! });
    } catch (error) {
      errors.inc();
      log.error({ err: error, path: verdict.path }, 'answered 503: logout could not be recorded');
      return REVOCATION_UNAVAILABLE;
    }
    if (!deps.logout!.answer) return serve.serve(verdict);
    denied.inc();
    return LOGGED_OUT;
  }

  function timed(started: number): void {
    duration.observe((performance.now() - started) / 1000);
  }

  /** What escaped authorize and serve: a 502/504 for the origin or the auth endpoint, else 500; always logged. */
  function failed(error: unknown, request: GatewayRequest): GatewayResponse {
    errors.inc();
    if (error instanceof UpstreamError) {
      log.warn({ err: error.cause ?? error, cause: error.code, status: error.status, url: request.url }, `answered ${error.status}: the origin failed`);
      return upstreamFailure(error.status);
    }
    if (error instanceof AppAuthError) {
      log.warn({ err: error.cause ?? error, cause: error.code, url: request.url }, `answered 502: ${error.message}`);
      return AUTH_UNAVAILABLE;
    }
    log.error({ err: error, url: request.url }, 'answered 500: request failed');
    return INTERNAL_ERROR;
  }

  return handle;
}
