import type { Test } from 'tap';
import type { Browser } from 'playwright-core';

/** The system's Chromium (Debian's package) driven by playwright-core, closed in teardown; no browser is downloaded. */
export async function openBrowser(t: Test): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  t.teardown(() => browser.close());
  return browser;
}
