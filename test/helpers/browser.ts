// A real headless browser for tests: Debian's chromium (never a downloaded one) driven by
// puppeteer-core, with a fresh profile that is removed afterwards. Screenshots go to the system's
// temporary folder, never into the repository.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = process.env.BOUNCER_CHROMIUM ?? '/usr/bin/chromium';

export interface TestBrowser {
  readonly browser: Browser;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium)`);
  const profile = mkdtempSync(join(tmpdir(), 'bouncer-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    async newPage() {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 1400 });
      return page;
    },
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where a test keeps its screenshot (outside the repository). */
export function screenshotPath(name: string): string {
  return join(tmpdir(), `bouncer-${name}-${process.pid}.png`);
}

/**
 * How much of a PNG is not background: the fraction of pixels that differ from the top-left one, and
 * how many distinct colours it has, measured by decoding it in the browser itself.
 */
export async function inkOf(browser: TestBrowser, png: Uint8Array): Promise<{ ink: number; colours: number }> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (data: string) => {
      const image = new Image();
      image.src = `data:image/png;base64,${data}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d')!;
      context.drawImage(image, 0, 0);
      const pixels = context.getImageData(0, 0, image.width, image.height).data;
      const colours = new Set<number>();
      let inked = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        const rgb = (pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!;
        if (colours.size < 10_000) colours.add(rgb);
        if (pixels[i] !== pixels[0] || pixels[i + 1] !== pixels[1] || pixels[i + 2] !== pixels[2]) inked++;
      }
      return { ink: inked / (pixels.length / 4), colours: colours.size };
    }, Buffer.from(png).toString('base64'));
  } finally {
    await page.close();
  }
}
