// What authorize would decide for a request, and why, without any of its effects (`bouncer
// explain`): the same code on a twin authorizer whose counters are thrown away, whose flood limiter
// only reads, whose decider neither remembers nor reports a verification, and whose app auth answers
// only from what it remembers (explain never asks the app). The hot path is the real authorizer,
// untouched. Which outcomes the twin counted are the words of bouncer_auth_decisions_total.
import type { GatewayRequest } from '../http/exchange.js';
import type { Verdict } from '../http/verdict.js';
import { AUTH_OUTCOMES, createMetrics, type AuthOutcome } from '../observability/metrics.js';
import type { Authenticator } from './authenticator.js';
import { createAuthorizer, type AuthorizeDeps } from './authorize.js';
import type { AppAuth } from './delegate.js';
import type { RouteAuth } from './route-auth.js';

/** Where the token came from: the Authorization header, the token cookie, the query, none sent. */
export type TokenSource = 'authorization' | 'cookie' | 'query' | 'none';

export interface AuthExplanation {
  /** What authorize decides; undefined when only the application's auth endpoint could say. */
  readonly verdict: Verdict | undefined;
  readonly token: TokenSource;
  /** The auth outcomes a real request would count (e.g. verified_allow then forbidden). */
  readonly outcomes: readonly AuthOutcome[];
  /** The decision came from the decision cache (or the app's remembered answer), not a verification now. */
  readonly remembered: boolean;
  /** A delegate or recheck route with no remembered answer: a real request would ask the app. */
  readonly asksApp: boolean;
}

export type Explainer = (request: GatewayRequest) => Promise<AuthExplanation>;

/** Thrown inside the twin where a real request would call the app; caught by the explainer. */
const WOULD_ASK_APP = new Error('the application would be asked');

export function createAuthExplainer(deps: AuthorizeDeps, authenticator: Pick<Authenticator, 'inspect'>): Explainer {
  return async (request) => {
    const metrics = createMetrics({ process: false });
    let token: string | undefined;
    let fromApp = false;
    const routes = deps.routes.map((route): RouteAuth => (route.app === undefined ? route : { ...route, app: peekOnly(route.app, (credential) => ((token = credential), (fromApp = true))) }));
    const flood: AuthorizeDeps['flood'] = deps.flood && { retryAfter: (request) => deps.flood!.retryAfter(request), failed: () => undefined };
    const twin = createAuthorizer({
      ...deps,
      routes,
      flood,
      metrics,
      decider: {
        decide(credential) {
          token = credential;
          return authenticator.inspect(credential);
        },
      },
    });
    let verdict: Verdict | undefined;
    let asksApp = false;
    try {
      verdict = await twin.authorize(request);
    } catch (error) {
      if (error !== WOULD_ASK_APP) throw error;
      asksApp = true;
    }
    const counted = new Set(metrics.auth.values().filter((cell) => cell.value > 0).map((cell) => cell.labels.outcome));
    const outcomes = AUTH_OUTCOMES.filter((outcome) => counted.has(outcome));
    const remembered = outcomes.includes('cached_allow') || outcomes.includes('cached_deny') || (fromApp && !asksApp);
    return { verdict, token: sourceOf(request, token, outcomes.includes('rate_limited')), outcomes, remembered, asksApp };
  };
}

/** The app's remembered answer, or WOULD_ASK_APP; `seen` is told the credential either way. */
function peekOnly(app: AppAuth, seen: (credential: string) => void): AppAuth {
  return {
    decide(credential, request, path) {
      seen(credential);
      const remembered = app.peek(credential, request, path);
      if (remembered === undefined) throw WOULD_ASK_APP;
      return remembered;
    },
    peek: (credential, request, path) => app.peek(credential, request, path),
    remembered: () => app.remembered(),
  };
}

function sourceOf(request: GatewayRequest, token: string | undefined, blocked: boolean): TokenSource {
  const { authorization, cookie } = request.headers;
  if (token === undefined) {
    // A blocked client's token is never read: say where one was sent.
    if (!blocked) return 'none';
    if (typeof authorization === 'string' && /^bearer\s/i.test(authorization)) return 'authorization';
    return cookie === undefined ? 'query' : 'cookie';
  }
  if (typeof authorization === 'string' && authorization.includes(token)) return 'authorization';
  if (cookie !== undefined && String(cookie).includes(token)) return 'cookie';
  return 'query';
}
