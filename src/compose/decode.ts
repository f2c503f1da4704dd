// An ESI page must be read as text to be parsed: a compressed one (the origin answered the fill's
// Accept-Encoding) is decoded once, before it is stored, never past compose.maxPageBytes. node:zlib
// runs the same on Node and Bun.
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { PreparedPage } from '../http/template.js';

type Decoded = { readonly ok: true; readonly body: Uint8Array } | Extract<PreparedPage, { ok: false }>;

export function decodeBody(body: Uint8Array, contentEncoding: string | undefined, maxBytes: number): Decoded {
  const coding = contentEncoding?.trim().toLowerCase() ?? 'identity';
  if (coding === 'identity' || coding === '') {
    return body.byteLength > maxBytes ? tooBig(maxBytes) : { ok: true, body };
  }
  const decode = coding === 'gzip' || coding === 'x-gzip' ? gunzipSync : coding === 'deflate' ? inflateSync : coding === 'br' ? brotliDecompressSync : undefined;
  if (decode === undefined) return { ok: false, code: 'BOUNCER_ESI_ENCODING', message: `Content-Encoding "${contentEncoding}" cannot be decoded` };
  try {
    return { ok: true, body: decode(body, { maxOutputLength: maxBytes }) };
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) return tooBig(maxBytes);
    return { ok: false, code: 'BOUNCER_ESI_ENCODING', message: `the ${coding} body does not decode (${(error as Error).message})` };
  }
}

function tooBig(maxBytes: number): Decoded {
  return { ok: false, code: 'BOUNCER_ESI_TOO_BIG', message: `the page is larger than compose.maxPageBytes (${maxBytes} bytes)` };
}
