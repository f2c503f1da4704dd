// The per-route `require:` claim rules. A rule is one check or an all/any of rules (nestable):
//
//   require:
//     all:
//       - scope: read:feed              # "scope" (space-separated) or "scp" (array) contains it
//       - scopes: [read:feed, write]    # contains all of them
//       - role: editor                  # the roles claim (rolesClaim, default "roles") contains it
//       - claim: tenant
//         equals: acme                  # or oneOf: [acme, globex], or pattern: "^ac"
//       - any: [ { role: admin }, { scope: write } ]
//
// Claim names may be dotted paths into nested claims (realm_access.roles) when no claim has that
// exact name.
import { z } from 'zod';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const claimName = z.string().min(1);

const validRegex = z.string().min(1).refine((source) => {
  try {
    new RegExp(source, 'u');
    return true;
  } catch {
    return false;
  }
}, 'must be a valid regular expression');

export type RequireRule =
  | { all: RequireRule[] }
  | { any: RequireRule[] }
  | { scope: string }
  | { scopes: string[] }
  | { role: string; rolesClaim?: string | undefined }
  | { roles: string[]; rolesClaim?: string | undefined }
  | {
      claim: string;
      equals?: string | number | boolean | undefined;
      oneOf?: (string | number | boolean)[] | undefined;
      pattern?: string | undefined;
    };

const claimRule = z
  .strictObject({
    claim: claimName,
    /** The claim equals this value. */
    equals: scalar.optional(),
    /** The claim equals one of these values. */
    oneOf: z.array(scalar).min(1).optional(),
    /** The claim is a string matching this regular expression (unicode mode). */
    pattern: validRegex.optional(),
  })
  .refine(
    (rule) => [rule.equals, rule.oneOf, rule.pattern].filter((test) => test !== undefined).length === 1,
    'a claim rule needs exactly one of equals, oneOf, pattern',
  );

export const requireSchema: z.ZodType<RequireRule> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(requireSchema).min(1) }),
    z.strictObject({ any: z.array(requireSchema).min(1) }),
    z.strictObject({ scope: z.string().min(1) }),
    z.strictObject({ scopes: z.array(z.string().min(1)).min(1) }),
    z.strictObject({ role: z.string().min(1), rolesClaim: claimName.optional() }),
    z.strictObject({ roles: z.array(z.string().min(1)).min(1), rolesClaim: claimName.optional() }),
    claimRule,
  ]),
);
