// An ESI page as the cache keeps it and compose/ fills it: the page's body cut into literal ranges
// and holes, made once when the page is stored. Plain data (numbers and strings), so a store that
// serialises entries (Redis) keeps it with the body it indexes. Shared by cache/ (which stores and
// delivers pages) and compose/ (which parses and assembles them) without either importing the other.
import type { GatewayResponse, HeaderMap } from './exchange.js';
import type { Allowed } from './verdict.js';

export type TemplatePart =
  /** Bytes [start, end) of the page's body, sent as they are. */
  | { readonly kind: 'text'; readonly start: number; readonly end: number }
  /** <esi:include src alt onerror="continue"/>: a request through the pipeline, its body spliced in. */
  | { readonly kind: 'include'; readonly src: string; readonly alt: string | undefined; readonly continueOnError: boolean }
  /** $(JWT{name}) inside <esi:vars>: the claim's value, HTML-escaped. */
  | { readonly kind: 'claim'; readonly name: string };

export interface Template {
  readonly parts: readonly TemplatePart[];
}

/** A page ready to assemble for one request. */
export interface ComposablePage {
  readonly status: number;
  /** The page's fields as they would be delivered (stored fields, Age, Cache-Status). */
  readonly headers: readonly string[];
  /** The (decoded) body the template's ranges index. */
  readonly body: Uint8Array;
  readonly template: Template;
}

/** Why a page cannot be assembled; stable codes, logged with the 502 the client gets. */
export type ComposeErrorCode =
  | 'BOUNCER_ESI_INVALID' // markup Bouncer cannot read (an unclosed element, an include without src…)
  | 'BOUNCER_ESI_UNSUPPORTED' // an ESI element outside the supported subset (esi:choose, esi:try…)
  | 'BOUNCER_ESI_TOO_BIG' // larger than compose.maxPageBytes, or more includes than compose.maxIncludes
  | 'BOUNCER_ESI_ENCODING'; // a Content-Encoding that cannot be decoded

export type PreparedPage =
  | { readonly ok: true; readonly body: Uint8Array; readonly template: Template }
  | { readonly ok: false; readonly code: ComposeErrorCode; readonly message: string };

/** What serve (cache/) asks of compose/: injected, so the cache knows nothing of the pipeline. */
export interface PageComposer {
  /** Largest page (decoded) it assembles. */
  readonly maxPageBytes: number;
  /** Whether an origin response is an ESI page by its own word (Surrogate-Control: content="ESI/1.0"). */
  marksPage(headers: HeaderMap): boolean;
  /** The page's body decoded (Content-Encoding) and parsed into a template, once, before it is stored. */
  prepare(body: Uint8Array, contentEncoding: string | undefined): PreparedPage;
  /** The page assembled for this request: includes through the pipeline with its identity, claims filled in. */
  assemble(page: ComposablePage, verdict: Allowed): GatewayResponse | Promise<GatewayResponse>;
}
