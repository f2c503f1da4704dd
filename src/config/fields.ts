// Reusable zod field types for the configuration schema: durations, sizes, listen addresses, secrets.
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
