// Asking the application's own auth endpoint (the nginx `auth_request` pattern, built in), per route.
//
//   routes:
//     - path: /legacy/
//       auth: delegate                     # opaque tokens / session cookies only the app understands
//       delegate:
//         url: http://127.0.0.1:9000/auth  # asked once per credential, GET
//         cookie: laravel_session          # the credential: Bearer token, else this cookie (default jwt.cookie)
//         forwardHeaders: [Authorization, Cookie]   # sent to it, with X-Original-Method / X-Original-URI
//         identityHeaders: [X-User-Id, X-Permissions]  # copied from its answer to the origin request
//         allowedTtl: 5m                   # when its 2xx answer has no Cache-Control max-age
//         maxAllowedTtl: 5m                # the longest its max-age may make an allow hold
//         deniedTtl: 30s                   # its 401/403 answers
//         per: route                       # or request: an answer holds for one method and path only
//         maxCredentialBytes: 4KiB         # longer or malformed credentials are refused without asking
//         timeout: 5s
//     - path: /api/
//       auth: required                     # JWT verified locally, and in addition…
//       recheck:
//         url: http://127.0.0.1:9000/auth  # …the app is asked per token at most this often,
//         every: 5m                        # so a logout known only to the app holds within 5 minutes
//
// 2xx allows, 401/403 denies; any other status, a timeout or a network error answers the client 502
// and is not remembered (the next request asks again).
import { z } from 'zod';
import { duration, headerName, httpUrl, size } from './fields.js';

const lowerHeaderName = headerName.transform((name) => name.toLowerCase());

const appEndpoint = {
  /** The application's auth endpoint, asked with GET. */
  url: httpUrl,
  /** Request headers copied to the auth request (besides X-Original-Method and X-Original-URI). */
  forwardHeaders: z.array(lowerHeaderName).default(['authorization', 'cookie']),
  /** Longest wait for the auth endpoint; a timeout answers 502 and is not remembered. */
  timeout: duration.default(5_000),
  /** How long a 401/403 answer is remembered for that credential. */
  deniedTtl: duration.default(30_000),
  /** Answers remembered at most (those not read recently forgotten first). */
  max: z.number().int().min(1).default(100_000),
  /** Estimated heap of the remembered answers at most (key, decision, identity headers). */
  maxBytes: size.default(32 * 1024 * 1024),
};

export const delegateSchema = z.strictObject({
  ...appEndpoint,
  /** Cookie holding the credential when there is no Authorization: Bearer (default jwt.cookie), e.g. laravel_session. */
  cookie: z.string().min(1).optional(),
  /** Headers of a 2xx answer forwarded to the origin as the identity (client-sent copies are removed). */
  identityHeaders: z.array(lowerHeaderName).default([]),
  /** How long a 2xx answer is remembered when it carries no Cache-Control max-age (no-store: not at all). */
  allowedTtl: duration.default(300_000),
  /** The longest a 2xx answer's max-age may make it be remembered. */
  maxAllowedTtl: duration.default(300_000),
  /**
   * What an answer is remembered for: "route", the credential on this route (each route asks on its
   * own); "request", the credential with the method and path (not the query) — for an app that lets
   * one session reach some paths and not others.
   */
  per: z.enum(['route', 'request']).default('route'),
  /**
   * Longer credentials are refused (401, or onDenied) without asking the app, and so are credentials
   * with a character outside RFC 6265 cookie-octet (every RFC 6750 b64token character is one).
   */
  maxCredentialBytes: size.default(4 * 1024),
});

export const recheckSchema = z.strictObject({
  ...appEndpoint,
  /** Ask again per token at most this often: a 2xx answer is remembered this long. */
  every: duration.default(300_000),
});

export type DelegateConfig = z.output<typeof delegateSchema>;
export type RecheckConfig = z.output<typeof recheckSchema>;
