/**
 * Headless Chromium for the evidence screenshots: Debian's `chromium` driven by playwright-core (no browser
 * download), signed into a Mage server through its own sign-in page.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** Wide enough for Mage's log viewer to show a whole per-chunk line and the summary table. */
export const VIEWPORT = { width: 2560, height: 1300 };

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH).`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

/** A browser context signed into Mage as its owner (the oauth_token cookie Mage's frontend sets). */
export async function signIntoMage(browser: Browser, baseUrl: string, email: string, password: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByPlaceholder('Email').fill(email);
  await page.getByPlaceholder('Password').fill(password);
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'), { timeout: 30_000 });
  await page.close();
  return context;
}

/** Opens a Mage page and waits until its data has loaded (network quiet, then a short settle for rendering). */
export async function openMagePage(context: BrowserContext, url: string, waitForText?: string | RegExp): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForLoadState('networkidle', { timeout: 30_000 }).catch(() => undefined);
  if (waitForText !== undefined) await page.getByText(waitForText).first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1500);
  return page;
}

/** Drags the divider of Mage's left panel (its own resize handle) so long values are not cut off. */
export async function widenLeftPanel(page: Page, by: number): Promise<void> {
  const handle = page.locator('div[class*=DraggableStyle]').first();
  const box = await handle.boundingBox();
  if (!box) return;
  const y = box.y + Math.min(300, box.height / 2);
  await page.mouse.move(box.x + box.width / 2, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + by, y, { steps: 12 });
  await page.mouse.up();
  await page.waitForTimeout(500);
}

export async function shoot(page: Page, path: string, fullPage = false): Promise<string> {
  await page.screenshot({ path, fullPage });
  await page.close();
  return path;
}
