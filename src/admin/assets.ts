// Files the admin pages and the impulse report are made of, read from the installed package (never a
// CDN: they work offline): uPlot from npm, and the browser scripts this package compiles beside this
// file. Read once, on first use.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const cache = new Map<string, string>();

function read(name: string, path: () => string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(path(), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** uPlot's script (sets the global `uPlot`) and its stylesheet. */
export function uplotScript(): string {
  return read('uplot.js', () => require.resolve('uplot/dist/uPlot.iife.min.js'));
}

export function uplotStyle(): string {
  return read('uplot.css', () => require.resolve('uplot/dist/uPlot.min.css'));
}

/** A browser script compiled from src/ (an ES module), by its path from this folder: './dashboard-client.js'. */
export function compiledScript(relative: string): string {
  return read(relative, () => fileURLToPath(new URL(relative, import.meta.url)));
}
