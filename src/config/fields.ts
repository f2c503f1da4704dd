// Reusable zod field types for the configuration schema: durations, sizes, listen addresses, secrets.
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseDuration, parseListen, parseSize } from './units.js';

/** A duration ("30s", "5m", "250ms", or a number of seconds), parsed to milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (e.g. 30s, 5m, 250ms)` });
    return z.NEVER;
  }
  return ms;
});

/** A size ("8KiB", "256MiB", or a number of bytes), parsed to bytes. */
export const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a size (e.g. 8KiB, 256MiB)` });
    return z.NEVER;
  }
  return bytes;
});

/** "host:port", parsed. */
export const listen = z.string().transform((value, ctx) => {
  const address = parseListen(value);
  if (!address) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not host:port` });
    return z.NEVER;
  }
  return address;
});

/** An absolute http(s) URL. */
export const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an absolute http:// or https:// URL');

/** A path prefix that starts with "/". */
export const pathPrefix = z.string().regex(/^\//, 'must start with "/"');

/** An HTTP header name. */
export const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a valid header name');

/** An IP address or CIDR block ("127.0.0.1/8", "10.0.0.1", "fd00::/8"), parsed to address and prefix length. */
export const cidr = z.string().transform((value, ctx) => {
  const [address = '', prefixText, extra] = value.trim().split('/');
  const family = isIP(address);
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (family === 0 || extra !== undefined || !(prefix >= 0 && prefix <= bits)) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an IP address or CIDR block (e.g. 127.0.0.1/8, fd00::/8)` });
    return z.NEVER;
  }
  return { address, prefix };
});
