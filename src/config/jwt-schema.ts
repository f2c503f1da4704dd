// The `jwt` section: keys, issuer/audience checks, token sources and the decision cache.
//
//   jwt:
//     keys:                                   # tokens whose iss names no entry of `issuers`
//       - { secretEnv: APP_JWT_SECRET, alg: HS256 }
//       - { publicKeyFile: /etc/bouncer/rsa.pem, algs: [RS256, PS256], kid: "2024-01" }
//     issuer: https://app.example.com         # iss must equal it (top-level keys only)
//     audience: [web, api]
//     issuers:                                # several IdPs, the unverified iss picks the entry
//       - issuer: https://idp.example.com/
//         jwksUrl: https://idp.example.com/.well-known/jwks.json
//         algs: [RS256, ES256]
//         audience: bouncer
//         typ: at+jwt
//         jwksRefresh: 10m
//         jwksCooldown: 30s
//     cookie: token
//     leeway: 30s
//     maxTokenBytes: 8KiB
//     maxClaimsBytes: 6KiB
//     decisions: { max: 1000000, maxBytes: 128MiB, maxTtl: 1h, negativeTtl: 30s }
//     flood: { failuresPerMinute: 100, block: 60s }   # 429 for a client sending bad tokens
//     flood: { clientHeader: X-Forwarded-For, trustedProxies: [127.0.0.1/8] }   # behind nginx
import { z } from 'zod';
import { cidr, duration, httpUrl, size } from './fields.js';

export const JWT_ALGORITHMS = [
  'HS256', 'HS384', 'HS512',
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export const keySchema = z
  .strictObject({
    /** The one algorithm this key may verify. */
    alg: z.enum(JWT_ALGORITHMS).optional(),
    /** Or several algorithms of the same family. */
    algs: z.array(z.enum(JWT_ALGORITHMS)).min(1).optional(),
    /** Tokens naming this kid use this key; a kid-less key is tried for kid-less tokens. */
    kid: z.string().min(1).optional(),
    /** HMAC secret, inline (prefer secretEnv or secretFile). */
    secret: z.string().min(1).optional(),
    /** Name of an environment variable holding the HMAC secret. */
    secretEnv: z.string().min(1).optional(),
    /** File holding the HMAC secret (trailing newline ignored). */
    secretFile: z.string().min(1).optional(),
    /** PEM public key (RSA, EC or Ed25519). */
    publicKeyFile: z.string().min(1).optional(),
    /** A JWKS document on disk. */
    jwksFile: z.string().min(1).optional(),
  })
  .superRefine((key, ctx) => {
    const sources = (['secret', 'secretEnv', 'secretFile', 'publicKeyFile', 'jwksFile'] as const).filter(
      (name) => key[name] !== undefined,
    );
    if (sources.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `needs exactly one of secret, secretEnv, secretFile, publicKeyFile, jwksFile (found ${sources.length ? sources.join(', ') : 'none'})`,
      });
    }
    if (key.alg === undefined && key.algs === undefined && key.jwksFile === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs alg or algs (the algorithms this key may verify)' });
    }
  });

export type KeyConfig = z.output<typeof keySchema>;

const audienceSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * One trusted issuer of the multi-issuer form. The `iss` read from the (unverified) payload only picks
 * this entry; the token is trusted once its signature holds under one of this entry's keys.
 */
export const issuerSchema = z
  .strictObject({
    /** The exact iss value this entry trusts. */
    issuer: z.string().min(1),
    /** Keys, as in jwt.keys. */
    keys: z.array(keySchema).min(1).optional(),
    /** A JWKS document on disk. */
    jwksFile: z.string().min(1).optional(),
    /** A JWKS served by the identity provider, fetched at start and refreshed. */
    jwksUrl: httpUrl.optional(),
    /** Algorithms allowed for JWKS keys (a JWK's own alg must be one of them; needed when a JWK has none). */
    algs: z.array(z.enum(JWT_ALGORITHMS)).min(1).optional(),
    /** When set, the aud claim must contain one of these (defaults to jwt.audience). */
    audience: audienceSchema.optional(),
    /** Clock tolerance (defaults to jwt.leeway). */
    leeway: duration.optional(),
    /** Required typ header, e.g. at+jwt (case-insensitive, "application/" prefix allowed). */
    typ: z.string().min(1).optional(),
    /** How often a remote JWKS is refetched. */
    jwksRefresh: duration.default(600_000),
    /** Least time between two fetches caused by tokens naming an unknown kid. */
    jwksCooldown: duration.default(30_000),
    /** Longest wait for the JWKS endpoint. */
    jwksTimeout: duration.default(5_000),
  })
  .superRefine((entry, ctx) => {
    const sources = (['keys', 'jwksFile', 'jwksUrl'] as const).filter((name) => entry[name] !== undefined);
    if (sources.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `needs exactly one of keys, jwksFile, jwksUrl (found ${sources.length ? sources.join(', ') : 'none'})`,
      });
    }
  });

export type IssuerConfig = z.output<typeof issuerSchema>;

export const jwtSchema = z
  .strictObject({
    /** Keys for tokens whose iss matches no jwt.issuers entry (checked against jwt.issuer when set). */
    keys: z.array(keySchema).default([]),
    /** When set, the iss claim must equal it. */
    issuer: z.string().min(1).optional(),
    /** When set, the aud claim must contain one of these. */
    audience: audienceSchema.optional(),
    /** Several trusted issuers, each with its own keys (the iss claim picks the entry). */
    issuers: z.array(issuerSchema).default([]),
    /** Cookie read for the token (Authorization: Bearer is always read). */
    cookie: z.string().min(1).default('token'),
    /** Clock tolerance for exp, nbf and iat. */
    leeway: duration.default(30_000),
    /** Longer tokens are invalid without any cryptography. */
    maxTokenBytes: size.default(8 * 1024),
    /** A decoded claim set larger than this is refused. */
    maxClaimsBytes: size.default(6 * 1024),
    decisions: z
      .strictObject({
        /** Verified and failed decisions remembered at most. */
        max: z.number().int().min(1).default(1_000_000),
        /**
         * Estimated heap of the remembered decisions at most (slot, token or its fingerprint, an allow's
         * claims; src/auth/decisions.ts). Typical tokens cost a few hundred bytes each.
         */
        maxBytes: size.default(128 * 1024 * 1024),
        /** A verified decision is remembered until the token's exp, but no longer than this. */
        maxTtl: duration.default(3_600_000),
        /** A failed token is remembered as failed this long. */
        negativeTtl: duration.default(30_000),
      })
      .default({ max: 1_000_000, maxBytes: 128 * 1024 * 1024, maxTtl: 3_600_000, negativeTtl: 30_000 }),
    /**
     * Flood defence: a client whose tokens are denied more than failuresPerMinute times in a minute is
     * answered 429 with Retry-After for `block`. Absent: off. The client is the connection's peer;
     * behind a proxy (where every client shares its address) name the header it sets and trust it.
     */
    flood: z
      .strictObject({
        failuresPerMinute: z.number().int().min(1).default(100),
        block: duration.default(60_000),
        /** Clients tracked at most (least recently seen forgotten first). */
        clients: z.number().int().min(1).default(100_000),
        /**
         * X-Forwarded-For (the right-most address that is not a trusted proxy) or X-Real-IP: where the
         * client's address is read, when the peer is one of trustedProxies.
         */
        clientHeader: z
          .string()
          .refine((name) => ['x-forwarded-for', 'x-real-ip'].includes(name.toLowerCase()), 'must be X-Forwarded-For or X-Real-IP')
          .transform((name) => name.toLowerCase() as 'x-forwarded-for' | 'x-real-ip')
          .optional(),
        /** Peers whose clientHeader is believed, as addresses or CIDR blocks, e.g. [127.0.0.1/8]. Default: none. */
        trustedProxies: z.array(cidr).default([]),
      })
      .optional(),
  })
  .superRefine((jwt, ctx) => {
    if (jwt.keys.length === 0 && jwt.issuers.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['keys'], message: 'at least one key (jwt.keys) or issuer (jwt.issuers) is needed' });
    }
    const seen = new Set<string>();
    jwt.issuers.forEach((entry, index) => {
      if (seen.has(entry.issuer)) {
        ctx.addIssue({ code: 'custom', path: ['issuers', index, 'issuer'], message: `issuer "${entry.issuer}" is listed twice` });
      }
      seen.add(entry.issuer);
    });
  });

export type JwtConfig = z.output<typeof jwtSchema>;
