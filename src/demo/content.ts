// The demo origin's response bodies: deterministic, so a cache in front can be checked byte for byte
// and a bare server in a benchmark can answer exactly the same bytes.
import { createHash } from 'node:crypto';

export const FEED_BYTES = 1024;

/** A JSON body of exactly FEED_BYTES bytes that depends only on the path. */
export function feedBody(path: string): Buffer {
  const head = JSON.stringify({ path, items: [] as string[] }).length;
  // {"path":..,"items":[],"pad":"..."} — pad fills the remainder exactly.
  const padLength = FEED_BYTES - head - ',"pad":""'.length;
  const pad = 'x'.repeat(Math.max(0, padLength));
  return Buffer.from(JSON.stringify({ path, items: [], pad }));
}

export function etagOf(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;
}

export const HOME_PAGE = Buffer.from(
  '<!doctype html><html><head><title>Demo origin</title></head>' +
    '<body><h1>Demo origin</h1><p>A slow application server, as seen from Bouncer.</p></body></html>\n',
);
