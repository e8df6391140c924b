/**
 * The built task pane in headless Chromium (Debian's, with the flags that keep it off the network), with the strict
 * Word simulation installed before any of the page's scripts run, so the pane's loader never fetches Office.js.
 * Every request to a host other than loopback is recorded and aborted.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { WordSimulationOptions } from '../word-simulation/word-simulation';
import { SIMULATION_GLOBAL, wordSimulationBundle } from './word-simulation-bundle';

export const CHROMIUM = '/usr/bin/chromium';

/** Whether browser tests can run here; in CI (with `CI` set) a missing Chromium is an error, not a skip. */
export function haveChromium(): boolean {
  const found = existsSync(CHROMIUM);
  if (!found) {
    if (process.env.CI) throw new Error(`Chromium is required in CI (expected at ${CHROMIUM}).`);
    console.warn(`browser tests skipped: no ${CHROMIUM} — apt-get install chromium`);
  }
  return found;
}

/** Starts Chromium headless, with no network of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * A page of the width of Word's task pane with `document` simulated as `window.__sim`, open at `url`. Requests to
 * other hosts go to `foreignRequests` and fail.
 */
export async function openPane(
  browser: Browser,
  url: string,
  document: WordSimulationOptions,
  foreignRequests: string[],
): Promise<Page> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 360, height: 900 },
  });
  const page = await context.newPage();
  await page.route('**/*', (route) => {
    const { hostname } = new URL(route.request().url());
    if (hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]') return route.continue();
    foreignRequests.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  await page.addInitScript({ content: await wordSimulationBundle() });
  await page.addInitScript({
    content: `(() => {
      const sim = window.${SIMULATION_GLOBAL}.createWordSimulation(${JSON.stringify(document)});
      sim.install(window);
      window.__sim = sim;
    })();`,
  });
  await page.goto(url);
  return page;
}
