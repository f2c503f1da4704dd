// Per-request assembly of an ESI page: the shared template's literal ranges, the request's claims
// (HTML-escaped), and each include fetched through Bouncer's own pipeline with the page request's
// credentials — so an include is authorised, cached under its own Cache-Control and partition, and
// collapsed like any request. A page's includes are requested at once.
//
// Failure before the first byte: every include's status is awaited before the page's status and
// fields are handed on. An include that fails (not 2xx, or past the depth or include budget) tries
// its alt; failing that it is dropped with onerror="continue", else the page is a 502. Then the parts
// are sent in order, each include's body streamed as it arrives (a page of stored parts is one
// buffer with a length). A body that breaks off mid-page can only end the response early. When every
// include is answered synchronously (fresh hits, the usual case) so is the page: no promise at all.
import escapeHtml from 'escape-html';
import type { Logger } from 'pino';
import { isPromise, type GatewayRequest, type GatewayResponse, type Handler, type HeaderMap, type ResponseBody } from '../http/exchange.js';
import { PAGE_NOT_ASSEMBLED } from '../http/responses.js';
import type { ComposablePage, PageComposer, PreparedPage, TemplatePart } from '../http/template.js';
import type { Allowed } from '../http/verdict.js';
import type { Metrics } from '../observability/metrics.js';
import { decodeBody } from './decode.js';
import { assembledHeaders } from './page-headers.js';
import { parseTemplate } from './parse.js';
import { marksEsiPage } from './surrogate.js';

export interface ComposerOptions {
  /** The pipeline (authorize → serve) includes are requested through; bound late (it serves pages too). */
  readonly handle: Handler;
  readonly maxDepth: number;
  /** Includes one client request may cause in all, every depth together. */
  readonly maxIncludes: number;
  readonly maxPageBytes: number;
  readonly metrics: Metrics;
  readonly log: Logger;
}

/** Where an include request stands in its client request's assembly: shared by every include of it. */
interface Assembly {
  readonly depth: number;
  readonly budget: { left: number };
}

type Fragment = { readonly ok: true; readonly body: ResponseBody } | { readonly ok: false; readonly why: string };

/** Request fields an include does not inherit from its page request. */
const NOT_INHERITED = new Set([
  'range', 'if-range', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since',
  // Fragments are spliced into the page as bytes: asked for unencoded.
  'accept-encoding', 'content-length', 'content-type', 'transfer-encoding', 'expect',
]);
const EMPTY = new Uint8Array(0);
const DROPPED: Fragment = Object.freeze({ ok: true, body: null });

export function createComposer(options: ComposerOptions): PageComposer {
  const { maxDepth, maxIncludes, maxPageBytes, log } = options;
  const pages = { assembled: options.metrics.composedPages.labels('assembled'), failed: options.metrics.composedPages.labels('failed') };
  const counted = {
    ok: options.metrics.includes.labels('ok'),
    alt: options.metrics.includes.labels('alt'),
    dropped: options.metrics.includes.labels('dropped'),
    failed: options.metrics.includes.labels('failed'),
  };
  // The assembly an include request belongs to; a client's own request has none (depth 0). Weak:
  // an entry lives exactly as long as its request object.
  const assemblies = new WeakMap<GatewayRequest, Assembly>();

  function prepare(body: Uint8Array, contentEncoding: string | undefined): PreparedPage {
    const decoded = decodeBody(body, contentEncoding, maxPageBytes);
    if (!decoded.ok) return decoded;
    const parsed = parseTemplate(decoded.body, { maxIncludes });
    return parsed.ok ? { ok: true, body: decoded.body, template: parsed.template } : parsed;
  }

  function assemble(page: ComposablePage, verdict: Allowed): GatewayResponse | Promise<GatewayResponse> {
    const headers = assembledHeaders(page.headers);
    if (verdict.request.method === 'HEAD') return { status: page.status, headers, body: null };
    const includes = page.template.parts.filter((part) => part.kind === 'include');
    if (includes.length === 0) {
      pages.assembled.inc();
      return whole(page, headers, render(page, verdict, []) as Uint8Array[]);
    }
    const assembly = assemblies.get(verdict.request) ?? { depth: 0, budget: { left: maxIncludes } };
    const fragments = includes.map((part) => include(part, verdict, assembly));
    const finish = (settled: readonly Fragment[]): GatewayResponse => {
      const failed = settled.findIndex((fragment) => !fragment.ok);
      if (failed !== -1) {
        for (const fragment of settled) if (fragment.ok) release(fragment.body);
        pages.failed.inc();
        log.warn({ path: verdict.path, include: includes[failed]!.src, why: (settled[failed] as { why: string }).why }, 'answered 502: an include of the page failed');
        return PAGE_NOT_ASSEMBLED;
      }
      pages.assembled.inc();
      const pieces = render(page, verdict, settled.map((fragment) => (fragment as { body: ResponseBody }).body));
      return pieces.every((piece) => piece instanceof Uint8Array) ? whole(page, headers, pieces as Uint8Array[]) : { status: page.status, headers, body: streamed(pieces) };
    };
    return fragments.some(isPromise) ? Promise.all(fragments).then(finish) : finish(fragments as Fragment[]);
  }

  /** One include: its src, else its alt; failing both, dropped (onerror="continue") or fatal. */
  function include(part: IncludePart, verdict: Allowed, assembly: Assembly): Fragment | Promise<Fragment> {
    const first = attempt(part.src, verdict, assembly);
    return isPromise(first) ? first.then((settled) => orAlt(part, verdict, assembly, settled)) : orAlt(part, verdict, assembly, first);
  }

  function orAlt(part: IncludePart, verdict: Allowed, assembly: Assembly, first: Fragment): Fragment | Promise<Fragment> {
    if (first.ok) return counted.ok.inc(), first;
    if (part.alt === undefined) return orDrop(part, first, undefined);
    const alt = attempt(part.alt, verdict, assembly);
    return isPromise(alt) ? alt.then((settled) => orDrop(part, first, settled)) : orDrop(part, first, alt);
  }

  function orDrop(part: IncludePart, first: Fragment, alt: Fragment | undefined): Fragment {
    if (alt?.ok) return counted.alt.inc(), alt;
    if (part.continueOnError) return counted.dropped.inc(), DROPPED;
    counted.failed.inc();
    return first;
  }

  /** A GET for one src through the pipeline: synchronous when the pipeline answers synchronously. */
  function attempt(src: string, verdict: Allowed, assembly: Assembly): Fragment | Promise<Fragment> {
    if (assembly.depth >= maxDepth) return { ok: false, why: `deeper than compose.maxDepth (${maxDepth})` };
    if (assembly.budget.left <= 0) return { ok: false, why: `more than compose.maxIncludes (${maxIncludes}) includes for one request` };
    const url = resolveSrc(src, verdict.path);
    if (url === undefined) return { ok: false, why: `src "${src}" is not a path on this site` };
    assembly.budget.left--;
    const request = includeRequest(verdict.request, url);
    assemblies.set(request, { depth: assembly.depth + 1, budget: assembly.budget });
    try {
      const response = options.handle(request);
      return isPromise(response) ? response.then(fragmentOf, (error: unknown) => ({ ok: false, why: String(error) })) : fragmentOf(response);
    } catch (error) {
      return { ok: false, why: String(error) };
    }
  }

  return { maxPageBytes, marksPage: marksEsiPage, prepare, assemble };
}

type IncludePart = Extract<TemplatePart, { kind: 'include' }>;

/** An include's answer: its body when 2xx and not content-encoded. */
function fragmentOf(response: GatewayResponse): Fragment {
  if (response.status >= 200 && response.status <= 299 && !encoded(response.headers)) return { ok: true, body: response.body };
  release(response.body);
  return { ok: false, why: `answered ${response.status}${encoded(response.headers) ? ' content-encoded' : ''}` };
}

/** The page's parts in order: literal ranges, escaped claims, and the includes' bodies. */
function render(page: ComposablePage, verdict: Allowed, bodies: readonly ResponseBody[]): (Uint8Array | AsyncIterable<Uint8Array>)[] {
  const out: (Uint8Array | AsyncIterable<Uint8Array>)[] = [];
  let next = 0;
  for (const part of page.template.parts) {
    if (part.kind === 'text') out.push(page.body.subarray(part.start, part.end));
    else if (part.kind === 'claim') out.push(Buffer.from(escapeHtml(claimText(verdict.claims?.[part.name])), 'utf8'));
    else {
      const body = bodies[next++];
      if (body !== null && body !== undefined) out.push(body);
    }
  }
  return out;
}

function whole(page: ComposablePage, headers: string[], pieces: Uint8Array[]): GatewayResponse {
  const body = pieces.length === 0 ? EMPTY : pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  headers.push('content-length', String(body.byteLength));
  return { status: page.status, headers, body };
}

async function* streamed(pieces: (Uint8Array | AsyncIterable<Uint8Array>)[]): AsyncIterable<Uint8Array> {
  let index = 0;
  try {
    for (; index < pieces.length; index++) {
      const piece = pieces[index]!;
      if (piece instanceof Uint8Array) yield piece;
      else yield* piece;
    }
  } finally {
    // A client that left mid-page: the bodies not yet read free their connections.
    for (index++; index < pieces.length; index++) release(pieces[index]!);
  }
}

/** Lets go of a body nobody will read. */
function release(body: ResponseBody): void {
  if (body === null || body instanceof Uint8Array) return;
  void body[Symbol.asyncIterator]().return?.();
}

/** Scalars as text, lists joined with ", ", objects as JSON; absent claims are empty. */
function claimText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(claimText).join(', ');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** An include's src as a path and query on this site (relative ones against the page's path); anything with a scheme or host: undefined. */
export function resolveSrc(src: string, pagePath: string): string | undefined {
  // A path-absolute src is used as written: the pipeline normalises it like any request-target.
  if (src.charCodeAt(0) === 47 /* / */ && src.charCodeAt(1) !== 47 && src.charCodeAt(1) !== 92 /* \ */) return src;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(src) || src.startsWith('//')) return undefined;
  try {
    const base = new URL(`http://page.invalid${pagePath}`);
    const url = new URL(src, base);
    return url.host === base.host ? url.pathname + url.search : undefined;
  } catch {
    return undefined;
  }
}

/** A GET for the include with the page request's fields: its credentials, as the client sent them. */
function includeRequest(page: GatewayRequest, url: string): GatewayRequest {
  const headers: HeaderMap = {};
  for (const name in page.headers) if (!NOT_INHERITED.has(name)) headers[name] = page.headers[name];
  return { method: 'GET', url, headers, remoteAddress: page.remoteAddress, secure: page.secure, body: null };
}

function encoded(headers: readonly string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === 'content-encoding' && headers[i + 1]!.trim().toLowerCase() !== 'identity') return true;
  }
  return false;
}
