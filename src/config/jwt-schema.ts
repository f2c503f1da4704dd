// The `jwt` section: keys, issuer/audience checks, token sources and the decision cache.
import { z } from 'zod';
import { duration, size } from './fields.js';

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

export const jwtSchema = z.strictObject({
  keys: z.array(keySchema).min(1, 'at least one key is needed'),
  /** When set, the iss claim must equal it. */
  issuer: z.string().min(1).optional(),
  /** When set, the aud claim must contain one of these. */
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** Cookie read for the token (Authorization: Bearer is always read). */
  cookie: z.string().min(1).default('token'),
  /** Clock tolerance for exp, nbf and iat. */
  leeway: duration.default(30_000),
  /** Longer tokens are invalid without any cryptography. */
  maxTokenBytes: size.default(8 * 1024),
  decisions: z
    .strictObject({
      /** Verified and failed decisions remembered at most. */
      max: z.number().int().min(1).default(1_000_000),
      /** A verified decision is remembered until the token's exp, but no longer than this. */
      maxTtl: duration.default(3_600_000),
      /** A failed token is remembered as failed this long. */
      negativeTtl: duration.default(30_000),
    })
    .default({ max: 1_000_000, maxTtl: 3_600_000, negativeTtl: 30_000 }),
});

export type JwtConfig = z.output<typeof jwtSchema>;
