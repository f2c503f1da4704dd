// The `signing` section: HMAC-SHA256 keys for signed URLs (routes with `signedUrls: true`) and the
// names of the query parameters a signature adds.
//
//   signing:
//     keys:                                  # newest first: `bouncer sign` signs with the first
//       - { id: k2, secretEnv: BOUNCER_URL_KEY_2 }
//       - { id: k1, secretFile: /etc/bouncer/url-key-1 }   # still verifies until removed
//     params: { exp: exp, kid: kid, sig: sig, claims: claims }
import { z } from 'zod';

/** Secrets shorter than this (in bytes) are refused: HMAC-SHA256 keys should be as long as its output. */
export const MIN_SIGNING_SECRET_BYTES = 32;

const paramName = z.string().regex(/^[A-Za-z0-9._~-]+$/, 'must be a query parameter name of unreserved characters');

export const signingKeySchema = z
  .strictObject({
    /** Named by the kid parameter of every URL signed with this key. */
    id: z.string().regex(/^[A-Za-z0-9._~-]+$/, 'must be made of unreserved characters (A-Z a-z 0-9 . _ ~ -)'),
    /** Inline secret (prefer secretEnv or secretFile). */
    secret: z
      .string()
      .refine((secret) => Buffer.byteLength(secret) >= MIN_SIGNING_SECRET_BYTES, `must be at least ${MIN_SIGNING_SECRET_BYTES} bytes`)
      .optional(),
    secretEnv: z.string().min(1).optional(),
    secretFile: z.string().min(1).optional(),
  })
  .refine((key) => [key.secret, key.secretEnv, key.secretFile].filter((v) => v !== undefined).length === 1, 'needs exactly one of secret, secretEnv, secretFile');

export const signingSchema = z
  .strictObject({
    /** Newest first: URLs are signed with the first key (or the one named), verified with any listed. */
    keys: z.array(signingKeySchema).min(1),
    /** The parameters a signature adds to the query, renamable when an application uses these names. */
    params: z
      .strictObject({
        /** Expiry, Unix seconds. */
        exp: paramName.default('exp'),
        /** The id of the key that signed. */
        kid: paramName.default('kid'),
        /** The signature, base64url. */
        sig: paramName.default('sig'),
        /** Bound claims, base64url of a JSON object (only when some are bound). */
        claims: paramName.default('claims'),
      })
      .default({ exp: 'exp', kid: 'kid', sig: 'sig', claims: 'claims' }),
  })
  .superRefine((signing, ctx) => {
    const ids = new Set<string>();
    signing.keys.forEach((key, index) => {
      if (ids.has(key.id)) ctx.addIssue({ code: 'custom', path: ['keys', index, 'id'], message: `key id "${key.id}" is listed twice` });
      ids.add(key.id);
    });
    const names = Object.values(signing.params);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['params'], message: 'the parameter names must differ' });
  });

export type SigningConfig = z.output<typeof signingSchema>;
