// The client a request is counted against by the flood defence. Without a client header: the
// connection's peer. Behind a proxy every client shares the proxy's address, so with
// jwt.flood.clientHeader the address comes from the header that proxy sets — only when the peer is one
// of jwt.flood.trustedProxies (anyone else could write any address there). CIDR matching is
// node:net's BlockList, the same on Node and Bun.
import { BlockList, isIP } from 'node:net';
import type { HeaderBag } from './token.js';

/** What the resolver needs of a request (the gateway's request satisfies it). */
export interface ClientRequest {
  readonly remoteAddress: string;
  readonly headers: HeaderBag;
}

export interface ClientAddressOptions {
  /** Lower-case name of the header a trusted proxy sets, or undefined: the peer's address. */
  readonly header: 'x-forwarded-for' | 'x-real-ip' | undefined;
  readonly trustedProxies: readonly { readonly address: string; readonly prefix: number }[];
}

export type ClientOf = (request: ClientRequest) => string;

export function clientAddressOf(options: ClientAddressOptions): ClientOf {
  const { header } = options;
  if (header === undefined || options.trustedProxies.length === 0) return (request) => plainAddress(request.remoteAddress);
  const trusted = new BlockList();
  for (const { address, prefix } of options.trustedProxies) trusted.addSubnet(address, prefix, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  const isTrusted = (address: string) => trusted.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');

  return (request) => {
    const peer = plainAddress(request.remoteAddress);
    if (!isTrusted(peer)) return peer;
    const value = request.headers[header];
    if (value === undefined) return peer;
    if (header === 'x-real-ip') return addressIn(typeof value === 'string' ? value : value.join(',')) ?? peer;
    return rightmostUntrusted(typeof value === 'string' ? value : value.join(','), peer, isTrusted);
  };
}

/**
 * X-Forwarded-For is appended to by each proxy: what is right of the last proxy we trust was written
 * by proxies we trust, what is left of it by anyone. So: the right-most address that is not itself a
 * trusted proxy. An entry that is no address stops the walk at the trusted hop right of it; a list of
 * trusted proxies only gives its left-most.
 */
function rightmostUntrusted(list: string, peer: string, isTrusted: (address: string) => boolean): string {
  let nearest = peer;
  let end = list.length;
  while (end > 0) {
    const start = list.lastIndexOf(',', end - 1);
    const address = addressIn(list.slice(start + 1, end));
    if (address === undefined) return nearest;
    if (!isTrusted(address)) return address;
    nearest = address;
    end = start < 0 ? 0 : start;
  }
  return nearest;
}

/** One entry: an IP address, maybe with a port ("1.2.3.4:80", "[2001:db8::1]:443"); undefined otherwise. */
function addressIn(entry: string): string | undefined {
  let text = entry.trim();
  const colon = text.indexOf(':');
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    text = text.slice(1, close);
  } else if (colon !== -1 && colon === text.lastIndexOf(':')) {
    text = text.slice(0, colon); // IPv4 with a port; an IPv6 address has several colons
  }
  return isIP(text) === 0 ? undefined : plainAddress(text);
}

/** "::ffff:1.2.3.4" (an IPv4 peer of a dual-stack socket) as "1.2.3.4": one client, one key. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
