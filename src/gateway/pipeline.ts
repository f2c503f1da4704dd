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
import { cacheWordOf } from '../http/cache-status.js';
import type { AccessLog, DecisionSource } from '../observability/access-log.js';
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
  /** log.access: a line per (sampled) request; undefined when off (the handler is then the plain one). */
  readonly accessLog?: AccessLog | undefined;
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

  /** handle, and an access log line once the response is ready (the companion's answers are counted, not logged). */
  function handleLogged(request: GatewayRequest): GatewayResponse | Promise<GatewayResponse> {
    if (companion !== undefined && companion.answers(request.url)) return handle(request);
    const started = performance.now();
    let seen: Verdict | undefined;
    let checked = false;
    const note = (verdict: Verdict) => served((seen = verdict));
    let response: GatewayResponse | Promise<GatewayResponse>;
    try {
      const verdict = authorizer.authorize(request);
      checked = isPromise(verdict);
      response = isPromise(verdict) ? verdict.then(note) : note(verdict);
    } catch (error) {
      response = failed(error, request);
    }
    const finish = (settled: GatewayResponse): GatewayResponse => {
      const ms = performance.now() - started;
      duration.observe(ms / 1000);
      logLine(request, seen, checked, settled, ms);
      return settled;
    };
    if (!isPromise(response)) return finish(response);
    return response.then(finish, (error: unknown) => finish(failed(error, request)));
  }

  function logLine(request: GatewayRequest, verdict: Verdict | undefined, checked: boolean, response: GatewayResponse, ms: number): void {
    let cacheStatus: string | undefined;
    for (let i = 0; i < response.headers.length; i += 2) if (response.headers[i] === 'cache-status') cacheStatus = response.headers[i + 1];
    const allowed = verdict?.kind === 'allowed' ? verdict : undefined;
    const access = allowed?.access ?? 'refused';
    const tokenless = access === 'public' || access === 'anonymous' || verdict?.reason === 'no_token';
    const decision: DecisionSource = tokenless ? 'none' : checked ? 'checked' : 'cached';
    const originMs = serve.originMs(request);
    deps.accessLog!.write({
      method: request.method,
      path: allowed === undefined ? request.url.split('?', 1)[0]! : allowed.query === '' ? allowed.path : `${allowed.path}?${allowed.query}`,
      status: response.status,
      cache: cacheWordOf(cacheStatus),
      cacheStatus,
      access,
      decision,
      reason: verdict?.reason ?? '',
      ms: Math.round(ms * 1000) / 1000,
      originMs: originMs === undefined ? undefined : Math.round(originMs * 1000) / 1000,
    });
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

  const accessLog = deps.accessLog;
  if (accessLog === undefined) return handle;
  return (request) => (accessLog.due() ? handleLogged(request) : handle(request));
}
