/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core (never a
 * downloaded browser), an empty user-data dir per launch, and helpers that bound every wait so a test
 * fails with a message instead of hanging.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * Packs this checkout as `npm publish` would and installs the tarball into `dir` (a fresh consumer with its
 * own package.json), so that `lenet5` resolves there as in a user's app: files, exports map and dependencies
 * as published. --ignore-scripts: the tree was just built by `npm test`; pack it as it is instead of
 * rebuilding.
 */
export function installPackedConsumer(dir: string, name: string): void {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
  const tarball = join(dir, (JSON.parse(out) as { filename: string }[])[0]!.filename);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: dir, stdio: 'pipe' });
}

/**
 * Opens `url` in a new page, waits (bounded) until the page's script sets `document.title = 'done'` and
 * returns the `window.result` it left, with what watchPage saw; the page is closed afterwards. `prepare`
 * runs before the navigation (to listen to the page's traffic), `settle` after the result (to finish work
 * that needs the page open).
 */
export async function pageResult<T>(browser: Browser, url: string, opts: {
  timeout?: number;
  prepare?: (page: Page) => unknown;
  settle?: () => Promise<unknown>;
} = {}): Promise<{ result: T; problems: string[] }> {
  const timeout = opts.timeout ?? 30_000;
  const page = await browser.context.newPage();
  const problems = watchPage(page);
  try {
    await opts.prepare?.(page);
    // An uncaught error before the result (a module that fails to load or link) ends the wait at once.
    const crashed = new Promise<never>((_, reject) => {
      page.on('pageerror', (e) => reject(new Error(`${url}: uncaught error before the page's result: ${e.message}`)));
    });
    crashed.catch(() => undefined); // it may fail before the race below listens
    try {
      await page.goto(url, { timeout });
      await Promise.race([page.waitForFunction(() => document.title === 'done', null, { timeout }), crashed]);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n(the page showed: ${problems.join('; ') || 'nothing'})`);
    }
    const result = await page.evaluate(() => (window as unknown as { result: T }).result);
    await opts.settle?.();
    return { result, problems };
  } finally {
    await page.close();
  }
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
