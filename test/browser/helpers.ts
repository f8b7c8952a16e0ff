/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core (never a
 * downloaded browser), an empty user-data dir per launch, and helpers that bound every wait so a test
 * fails with a message instead of hanging.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * `describe` for suites that need Chromium. CI installs Debian's chromium (.ci/run) and must run them;
 * elsewhere, without /usr/bin/chromium, they are skipped with the reason in their name instead of
 * failing `npm test` on a machine that simply has no browser.
 */
export const CHROMIUM_RUNS = existsSync(CHROMIUM) || Boolean(process.env.CI);
export const describeInChromium: typeof describe = CHROMIUM_RUNS ? describe : (describe.skip as typeof describe);
export const chromiumNote = CHROMIUM_RUNS
  ? ''
  : ` (skipped: ${CHROMIUM} not found; apt-get install chromium to run them)`;
export const ROOT = new URL('../..', import.meta.url).pathname;
/** Screenshots and measured figures (not committed). */
export const ARTIFACTS = join(ROOT, 'test-artifacts');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile; `close()` always removes it, even if the browser is stuck. */
export async function launchChromium(): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'lenet5-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
      viewport: { width: 1280, height: 1000 },
    });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  context.setDefaultTimeout(30_000);
  return {
    context,
    async close() {
      await Promise.race([context.close().catch(() => undefined), new Promise((r) => setTimeout(r, 15_000))]);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Console errors, uncaught page errors and failed requests of a page, collected from the start. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return problems;
}

export function artifactsDir(): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}

/** Strokes in unit coordinates (0..1 of the element) drawn with mouse events, interpolated every few px. */
export async function drawStrokes(page: Page, selector: string, strokes: readonly (readonly [number, number][])[]): Promise<void> {
  // Mouse events go to viewport coordinates: bring the element into view first (a click elsewhere may
  // have scrolled the page).
  await page.locator(selector).scrollIntoViewIfNeeded();
  const box = await page.locator(selector).boundingBox();
  if (box === null) throw new Error(`${selector} is not visible`);
  const at = ([x, y]: readonly [number, number]): [number, number] => [box.x + x * box.width, box.y + y * box.height];
  for (const path of strokes) {
    const [x0, y0] = at(path[0]!);
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    for (let i = 1; i < path.length; i++) {
      const [x, y] = at(path[i]!);
      await page.mouse.move(x, y, { steps: 6 });
    }
    await page.mouse.up();
  }
}
