// The ESI 1.0 subset Bouncer reads, parsed once when a page is stored into a template of literal
// byte ranges and holes:
//
//   <esi:include src="/f" alt="/g" onerror="continue"/>   a hole filled by a request (see composer.ts)
//   <esi:remove>…</esi:remove>                            dropped (what a browser without ESI shows)
//   <!--esi …-->                                          the markers dropped, the inside processed
//   <esi:comment text="…"/>                               dropped
//   <esi:vars>… $(JWT{name}) …</esi:vars>                 the markers dropped, each $(JWT{name}) a hole
//
// The body is read as latin1, one character per byte, so string offsets are byte offsets of the
// original (UTF-8 or not) and literal ranges are sent as the origin's own bytes. Any other esi:
// element (choose, try, inline…) is refused rather than passed through as markup; so is an unclosed
// element. Inside <esi:vars> only JWT is a variable; other $(…) text is sent as written.
import type { ComposeErrorCode, Template, TemplatePart } from '../http/template.js';

export interface ParseLimits {
  /** Includes a template may hold. */
  readonly maxIncludes: number;
}

export type Parsed = { readonly ok: true; readonly template: Template } | { readonly ok: false; readonly code: ComposeErrorCode; readonly message: string };

/** Parts a template may hold at most (literal ranges and holes), whatever its includes. */
const MAX_PARTS = 10_000;
/** What starts or ends an ESI construct; `-->` only matters inside <!--esi. */
const MARKERS = /<esi:|<\/esi:|<!--esi|-->/g;
const ELEMENT_NAME = /[a-z]+/y;
const ATTRIBUTE = /\s*([A-Za-z_][-A-Za-z0-9_.:]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
const CLAIM = /\$\(JWT\{([^{}()]+)\}\)/g;

class TemplateInvalid extends Error {
  constructor(
    readonly code: ComposeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function parseTemplate(body: Uint8Array, limits: ParseLimits): Parsed {
  try {
    return { ok: true, template: { parts: new TemplateParser(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1'), limits).parse() } };
  } catch (error) {
    if (error instanceof TemplateInvalid) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

class TemplateParser {
  private readonly parts: TemplatePart[] = [];
  private includes = 0;
  private inVars = false;
  private inComment = false;
  /** Where the literal text not yet emitted begins. */
  private textStart = 0;

  constructor(
    private readonly text: string,
    private readonly limits: ParseLimits,
  ) {}

  parse(): TemplatePart[] {
    const markers = new RegExp(MARKERS.source, 'g');
    for (let match = markers.exec(this.text); match !== null; match = markers.exec(this.text)) {
      const at = match.index;
      const marker = match[0];
      if (marker === '-->') {
        if (!this.inComment) continue;
        this.emitText(at);
        this.inComment = false;
        this.textStart = at + 3;
      } else if (marker === '<!--esi') {
        if (this.inComment) throw invalid(`<!--esi inside <!--esi at byte ${at}`);
        this.emitText(at);
        this.inComment = true;
        this.textStart = at + marker.length;
      } else {
        this.emitText(at);
        markers.lastIndex = marker === '<esi:' ? this.element(at + marker.length, at) : this.closing(at + marker.length, at);
        this.textStart = markers.lastIndex;
      }
    }
    if (this.inVars) throw invalid('<esi:vars> is not closed');
    if (this.inComment) throw invalid('<!--esi is not closed');
    this.emitText(this.text.length);
    return this.parts;
  }

  /** An opening or empty element whose name starts at `from`; returns where parsing goes on. */
  private element(from: number, at: number): number {
    const name = this.nameAt(from, at);
    const { attributes, end, empty } = this.tagAt(from + name.length, at);
    switch (name) {
      case 'include': {
        const src = attributes.get('src');
        if (src === undefined || src.trim() === '') throw invalid(`<esi:include> without src at byte ${at}`);
        if (++this.includes > this.limits.maxIncludes) throw new TemplateInvalid('BOUNCER_ESI_TOO_BIG', `more than ${this.limits.maxIncludes} includes (compose.maxIncludes)`);
        this.push({ kind: 'include', src: src.trim(), alt: attributes.get('alt')?.trim() || undefined, continueOnError: attributes.get('onerror') === 'continue' });
        return empty ? end : this.skipClosing(end, 'include');
      }
      case 'remove':
      case 'comment':
        return empty ? end : this.skipPast(end, `</esi:${name}>`, at);
      case 'vars':
        if (empty) return end;
        if (this.inVars) throw invalid(`<esi:vars> inside <esi:vars> at byte ${at}`);
        this.inVars = true;
        return end;
      default:
        throw new TemplateInvalid('BOUNCER_ESI_UNSUPPORTED', `<esi:${name}> is not supported (byte ${at})`);
    }
  }

  /** A closing tag; only </esi:vars> (and a stray </esi:include>) may close anything here. */
  private closing(from: number, at: number): number {
    const name = this.nameAt(from, at);
    const end = this.text.indexOf('>', from + name.length);
    if (end === -1 || this.text.slice(from + name.length, end).trim() !== '') throw invalid(`bad </esi:${name}> at byte ${at}`);
    if (name === 'vars' && this.inVars) this.inVars = false;
    else if (name !== 'include') throw invalid(`</esi:${name}> closes nothing (byte ${at})`);
    return end + 1;
  }

  private nameAt(from: number, at: number): string {
    ELEMENT_NAME.lastIndex = from;
    const name = ELEMENT_NAME.exec(this.text)?.[0];
    if (name === undefined) throw invalid(`an esi: tag without a name at byte ${at}`);
    return name;
  }

  /** The attributes of a tag from `from` to its `>`, and whether it is empty (`/>`). */
  private tagAt(from: number, at: number): { attributes: Map<string, string>; end: number; empty: boolean } {
    const attributes = new Map<string, string>();
    let position = from;
    for (;;) {
      ATTRIBUTE.lastIndex = position;
      const match = ATTRIBUTE.exec(this.text);
      if (match === null) break;
      attributes.set(match[1]!.toLowerCase(), match[2] ?? match[3]!);
      position = ATTRIBUTE.lastIndex;
    }
    const close = this.text.indexOf('>', position);
    const rest = close === -1 ? undefined : this.text.slice(position, close).trim();
    if (rest !== '' && rest !== '/') throw invalid(`a malformed esi: tag at byte ${at}`);
    return { attributes, end: close + 1, empty: rest === '/' };
  }

  /** Past an optional `</esi:name>` right after an element written as a pair. */
  private skipClosing(from: number, name: string): number {
    const closing = `</esi:${name}>`;
    let position = from;
    while (position < this.text.length && /\s/.test(this.text[position]!)) position++;
    return this.text.startsWith(closing, position) ? position + closing.length : from;
  }

  private skipPast(from: number, closing: string, at: number): number {
    const end = this.text.indexOf(closing, from);
    if (end === -1) throw invalid(`${closing} missing for the element at byte ${at}`);
    return end + closing.length;
  }

  /** Literal text up to `end`; inside <esi:vars> each $(JWT{name}) becomes a hole. */
  private emitText(end: number): void {
    const start = this.textStart;
    if (end <= start) return;
    if (!this.inVars) return this.push({ kind: 'text', start, end });
    const claims = new RegExp(CLAIM.source, 'g');
    claims.lastIndex = start;
    let from = start;
    for (let match = claims.exec(this.text); match !== null && match.index + match[0].length <= end; match = claims.exec(this.text)) {
      if (match.index > from) this.push({ kind: 'text', start: from, end: match.index });
      this.push({ kind: 'claim', name: match[1]! });
      from = match.index + match[0].length;
    }
    if (end > from) this.push({ kind: 'text', start: from, end });
  }

  private push(part: TemplatePart): void {
    if (this.parts.length >= MAX_PARTS) throw new TemplateInvalid('BOUNCER_ESI_TOO_BIG', `more than ${MAX_PARTS} parts`);
    this.parts.push(part);
  }
}

function invalid(message: string): TemplateInvalid {
  return new TemplateInvalid('BOUNCER_ESI_INVALID', message);
}
