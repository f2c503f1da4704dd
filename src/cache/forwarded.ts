// The request the origin gets for one allowed request, in its two forms. A shared fill (its answer
// may be stored for others) carries only what the cache key covers: the identity headers of the
// partition claims, none of the client's credentials. A request whose answer is not stored carries
// everything (the full identity, the token), as the application would get it without Bouncer.
//
// An origin may say that its answer depends on something a fill left out (Vary: X-User-Id, Vary:
// Authorization): then the fill is made again with those fields, and the key remembers them (see
// serve.ts), so the stored variant is selected by their values. Vary is always matched against the
// fill as it is sent (RFC 9111 §4.1 compares the request the response answered).
import type { Allowed } from '../http/verdict.js';
import { carriesCookie, forwardedValue, forwardRequestHeaders, type ForwardOptions } from '../upstream/headers.js';
import type { RouteCache } from './route-cache.js';
import type { VaryRequest } from './vary.js';

export interface ForwardContext {
  readonly originHost: string;
  /** Identity header names of every route: only Bouncer sets them. */
  readonly reserved: ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

/** Per key, the fields an earlier answer varied on that a fill would otherwise leave out. */
export interface LearnedFields {
  get(key: string): ReadonlySet<string> | undefined;
}

export class Forwarded implements VaryRequest {
  #fill: ForwardOptions | undefined;

  constructor(
    readonly verdict: Allowed,
    private readonly rule: RouteCache,
    private readonly context: ForwardContext,
    private readonly marks?: LearnedFields,
    private readonly key = '',
  ) {}

  /** Read only when a fill is built or Vary matched: a plain hit never looks. */
  private learned(): ReadonlySet<string> {
    return this.marks?.get(this.key) ?? NONE;
  }

  /** Vary reads the fill's fields. */
  header(name: string): string | undefined {
    return forwardedValue(this.verdict.request.headers, name, this.fillOptions());
  }

  /** The headers of a shared fill. */
  fillHeaders(): Record<string, string | string[]> {
    return forwardRequestHeaders(this.verdict.request.headers, this.fillOptions());
  }

  /** The headers of a request whose answer is not stored: the full identity and the client's credentials. */
  fullHeaders(): Record<string, string | string[]> {
    return forwardRequestHeaders(this.verdict.request.headers, this.options(this.verdict.identityHeaders(), false, false, false));
  }

  /** Names of the fields a fill leaves out that this client's full request would carry. */
  withheld(): string[] {
    const learned = this.learned();
    const { verdict } = this;
    const out: string[] = [];
    for (const [name] of verdict.identityHeaders()) if (!verdict.keyedIdentity.has(name) && !learned.has(name)) out.push(name);
    if (verdict.tokenCookie === undefined) return out;
    const headers = verdict.request.headers;
    if (headers.authorization !== undefined && !learned.has('authorization')) out.push('authorization');
    if (headers.cookie !== undefined && !learned.has('cookie') && carriesCookie(headers.cookie, verdict.tokenCookie)) out.push('cookie');
    return out;
  }

  private fillOptions(): ForwardOptions {
    if (this.#fill !== undefined) return this.#fill;
    const learned = this.learned();
    const { verdict } = this;
    const identity = verdict.identityHeaders().filter(([name]) => verdict.keyedIdentity.has(name) || learned.has(name));
    const readsTokens = verdict.tokenCookie !== undefined;
    this.#fill = this.options(identity, true, readsTokens && !learned.has('authorization'), readsTokens && !learned.has('cookie'));
    return this.#fill;
  }

  private options(identity: ForwardOptions['identity'], forCache: boolean, withholdAuthorization: boolean, withholdCookie: boolean): ForwardOptions {
    const { request } = this.verdict;
    return {
      reserved: this.context.reserved,
      keyed: this.rule.keyHeaders,
      identity,
      host: this.context.originHost,
      clientAddress: request.remoteAddress,
      secure: request.secure,
      forCache,
      withholdAuthorization,
      withholdCookie: withholdCookie ? this.verdict.tokenCookie : undefined,
    };
  }
}
