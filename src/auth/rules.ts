// Per-route claim rules (`require:`), compiled once at start-up into a predicate over verified claims.
// The hot path runs closures only: no parsing, no regex construction, no allocation for scope lists.
import type { JWTPayload } from 'jose';
import type { RequireRule } from '../config/rules-schema.js';

export type ClaimPredicate = (claims: Readonly<JWTPayload>) => boolean;

const DEFAULT_ROLES_CLAIM = 'roles';

export function compileRule(rule: RequireRule): ClaimPredicate {
  if ('all' in rule) {
    const parts = rule.all.map(compileRule);
    return (claims) => parts.every((part) => part(claims));
  }
  if ('any' in rule) {
    const parts = rule.any.map(compileRule);
    return (claims) => parts.some((part) => part(claims));
  }
  if ('scope' in rule) return (claims) => hasScope(claims, rule.scope);
  if ('scopes' in rule) return (claims) => rule.scopes.every((scope) => hasScope(claims, scope));
  if ('role' in rule) {
    const roles = claimGetter(rule.rolesClaim ?? DEFAULT_ROLES_CLAIM);
    return (claims) => contains(roles(claims), rule.role);
  }
  if ('roles' in rule) {
    const roles = claimGetter(rule.rolesClaim ?? DEFAULT_ROLES_CLAIM);
    return (claims) => rule.roles.every((role) => contains(roles(claims), role));
  }
  return compileClaimRule(rule);
}

function compileClaimRule(rule: Extract<RequireRule, { claim: string }>): ClaimPredicate {
  const claim = claimGetter(rule.claim);
  if (rule.pattern !== undefined) {
    const regex = new RegExp(rule.pattern, 'u');
    return (claims) => {
      const value = claim(claims);
      return typeof value === 'string' && regex.test(value);
    };
  }
  const accepted = rule.oneOf ?? (rule.equals !== undefined ? [rule.equals] : []);
  return (claims) => accepted.includes(claim(claims) as string | number | boolean);
}

/** RFC 8693 §4.2 "scope" is space-separated; some IdPs send "scp" as an array (or a string). */
function hasScope(claims: Readonly<JWTPayload>, wanted: string): boolean {
  return spaceListContains(claims['scope'], wanted) || spaceListContains(claims['scp'], wanted) || contains(claims['scp'], wanted);
}

function spaceListContains(value: unknown, wanted: string): boolean {
  if (typeof value !== 'string') return false;
  let from = 0;
  while (from <= value.length) {
    const at = value.indexOf(wanted, from);
    if (at < 0) return false;
    const end = at + wanted.length;
    if ((at === 0 || value[at - 1] === ' ') && (end === value.length || value[end] === ' ')) return true;
    from = at + 1;
  }
  return false;
}

function contains(value: unknown, wanted: string): boolean {
  return Array.isArray(value) && value.includes(wanted);
}

/** Reads the claim of that exact name, else the dotted path into nested objects (realm_access.roles). */
function claimGetter(name: string): (claims: Readonly<JWTPayload>) => unknown {
  const path = name.split('.');
  return (claims) => {
    if (Object.hasOwn(claims, name) || path.length === 1) return Object.hasOwn(claims, name) ? claims[name] : undefined;
    let value: unknown = claims;
    for (const part of path) {
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return value;
  };
}
