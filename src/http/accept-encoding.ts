// Accept-Encoding reduced to the one coding a typical origin would pick for it, so that cache
// variants do not multiply with every browser's spelling of the field, and fills ask the origin for
// exactly the coding their variant is keyed by.

/** br, gzip or identity: the coding a typical origin would pick for this Accept-Encoding. */
export function normaliseAcceptEncoding(value: string | undefined): string {
  if (!value) return 'identity';
  const accepted = new Set<string>();
  for (const part of value.toLowerCase().split(',')) {
    const [coding, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (coding && (q === undefined || Number(q.slice(2)) > 0)) accepted.add(coding.trim());
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('x-gzip')) return 'gzip';
  return 'identity';
}
