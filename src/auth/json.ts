// Decoding a JOSE segment to a JSON object, refusing what JSON.parse would silently accept: invalid
// UTF-8 and duplicate member names (RFC 7515 §5.2 says reject or keep the last; keeping the last lets
// two parsers disagree about what was signed).

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON object a base64url segment encodes, or undefined when it is not exactly one. */
export function decodeObject(segment: string, maxBytes: number): Record<string, unknown> | undefined {
  const bytes = Buffer.from(segment, 'base64url');
  if (bytes.byteLength > maxBytes) return undefined;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  // Not an object: refused before JSON.parse, whose SyntaxError (with its stack) costs tens of µs a
  // token in a flood of garbage.
  if (text.trimStart().charCodeAt(0) !== 0x7b /* { */) return undefined;
  if (hasDuplicateMembers(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * True when an object in this JSON text names a member twice (after unescaping), or when a member
 * name cannot be unescaped. Other malformations are left to JSON.parse.
 */
export function hasDuplicateMembers(text: string): boolean {
  const stack: (Set<string> | null)[] = []; // a Set per open object, null per open array
  const length = text.length;
  let i = 0;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code === 0x7b /* { */) stack.push(new Set());
    else if (code === 0x5b /* [ */) stack.push(null);
    else if (code === 0x7d /* } */ || code === 0x5d /* ] */) stack.pop();
    else if (code === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < length && text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c /* \ */) {
          escaped = true;
          i++;
        }
      }
      const members = stack[stack.length - 1];
      if (members && nextIsColon(text, i + 1)) {
        let name: string;
        try {
          name = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
        } catch {
          return true;
        }
        if (members.has(name)) return true;
        members.add(name);
      }
    }
    i++;
  }
  return false;
}

function nextIsColon(text: string, from: number): boolean {
  let i = from;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return code === 0x3a;
    i++;
  }
  return false;
}
