// Surrogate-Control (W3C Edge Architecture 1.0): the origin's word that a response is an ESI page,
// `content="ESI/1.0"`. Only that directive is read here; the field never reaches a client
// (deliver.ts). Targeted directives (`content="ESI/1.0";bouncer`) count whatever their target.
import type { HeaderMap } from '../http/exchange.js';
import { fieldValue, listMembers } from '../http/fields.js';

/** Whether the response's Surrogate-Control says its content is ESI 1.0. */
export function marksEsiPage(headers: HeaderMap): boolean {
  const value = fieldValue(headers, 'surrogate-control');
  if (value === undefined) return false;
  for (const member of listMembers(value)) {
    const eq = member.indexOf('=');
    if (eq === -1 || member.slice(0, eq).trim().toLowerCase() !== 'content') continue;
    const content = member.slice(eq + 1).split(';', 1)[0]!.trim().replace(/^"|"$/g, '');
    if (content.split(/\s+/).some((token) => token.toUpperCase() === 'ESI/1.0')) return true;
  }
  return false;
}
