// Whether this process runs on Bun, and its API when it does: the one place that looks at the global.
import type { BunApi } from './bun-types.js';

export function bunRuntime(): BunApi | undefined {
  return (globalThis as { Bun?: BunApi }).Bun;
}
