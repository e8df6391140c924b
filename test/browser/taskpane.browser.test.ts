/**
 * The built task pane in headless Chromium, served by a real engine (tiny generated model), with the strict Word
 * simulation standing in for Word and Office.js never fetched. Flows: whole document → a section at the top (and
 * a second run replacing it), a selection → a comment, per-section comments, Stop, and the engine going away and
 * coming back on the same port.
 *
 * Needs `dist/taskpane/` (`npm run build:taskpane`, which the test command runs first) and Chromium at
 * /usr/bin/chromium: without it the suite is skipped locally and fails in CI.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import { startEngine } from '../../localhost-engine/server';
import type { WordSimulation } from '../word-simulation/word-simulation';
import { haveChromium, launchChromium, openPane } from '../helpers/pane-browser';
import { DOCUMENT } from './example-document';
import {
  request,
  startTestEngine,
  testCertificate,
  testEngineConfig,
  type TestEngine,
} from '../helpers/test-engine';

const ROOT = path.resolve(__dirname, '..', '..');
const PANE_HTML = path.join(ROOT, 'dist', 'taskpane', 'taskpane.html');
const SCREENSHOT = path.join(ROOT, 'test-results', 'taskpane-after-run.png');

const describeInBrowser = haveChromium() ? describe : describe.skip;

const TITLE = 'Quarterly Operations Review';

type SimWindow = Window & { __sim: WordSimulation; __lengths: number[] };

/** How long a UI state may take to appear (a tiny-model run on two cores takes a few seconds). */
const UI_TIMEOUT = 30_000;

/** Waits for a locator to be visible (Playwright's auto-waiting; no fixed sleeps). */
function visible(locator: Locator, timeout = UI_TIMEOUT): Promise<void> {
  return locator.waitFor({ state: 'visible', timeout });
}

/** Waits for a locator whose text matches `pattern`. */
function withText(locator: Locator, pattern: RegExp, timeout = UI_TIMEOUT): Promise<void> {
  return locator.filter({ hasText: pattern }).first().waitFor({ state: 'visible', timeout });
}

/** Polls `probe` until it returns true (an `expect.poll` for values outside the page). */
async function until(probe: () => Promise<boolean>, what: string, timeout = UI_TIMEOUT): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeInBrowser('task pane in Chromium against the real engine', () => {
  let engine: TestEngine;
  let browser: Browser;
  let page: Page;
  let modelDir: string;
  const foreignRequests: string[] = [];

  const summary = (): Locator => page.getByTestId('summary-text');
  const notice = (): Locator => page.getByTestId('notice');
  const snapshot = () => page.evaluate(() => (window as unknown as SimWindow).__sim.state.snapshot());

  async function choose(label: 'Output' | 'Style', option: string): Promise<void> {
    await page.getByLabel(label).selectOption({ label: option });
  }

  /** Records every length the summary view's generated text takes while a run goes, from now on. */
  async function watchSummaryText(): Promise<void> {
    await page.evaluate(() => {
      const w = window as unknown as SimWindow & { __observer?: MutationObserver };
      w.__observer?.disconnect();
      w.__lengths = [];
      const view = document.querySelector('[data-testid="summary-text"]')!;
      w.__observer = new MutationObserver(() => {
        const text = view.textContent ?? '';
        // Only generated text while the run goes (not the placeholder, not the final render).
        if (view.getAttribute('aria-busy') !== 'true' || text.startsWith('Waiting for the first words'))
          return;
        const length = text.length;
        if (w.__lengths[w.__lengths.length - 1] !== length) w.__lengths.push(length);
      });
      w.__observer.observe(view, { subtree: true, childList: true, characterData: true, attributes: true });
    });
  }

  beforeAll(async () => {
    if (!existsSync(PANE_HTML)) {
      throw new Error(`${PANE_HTML} is missing: run npm run build:taskpane`);
    }
    modelDir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    engine = await startTestEngine(modelDir);
    browser = await launchChromium();
    // Nothing leaves the machine: every request to another host is recorded and aborted.
    page = await openPane(browser, `${engine.url}/`, DOCUMENT, foreignRequests);
    await visible(page.getByText('Engine connected'));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await engine?.close();
  });

  test('summarizes the whole document into a section at the top, streaming; a second run replaces it', async () => {
    await page.getByRole('radio', { name: 'Whole document' }).check();
    await choose('Output', 'New section at the top');
    await watchSummaryText();
    await page.getByRole('button', { name: 'Summarize', exact: true }).click();
    await withText(notice(), /Inserted at the top of the document/);

    // The text grew in several steps while the stream was going (not one render at the end).
    const lengths = await page.evaluate(() => (window as unknown as SimWindow).__lengths);
    expect(lengths.length).toBeGreaterThanOrEqual(2);
    expect(lengths[lengths.length - 1]).toBeGreaterThan(lengths[0]);

    const first = await snapshot();
    expect(first.contentControls).toHaveLength(1);
    const control = first.contentControls[0] as { tag: string; paragraphIndices: number[]; texts: string[] };
    expect(control.tag).toBe('localscribe-summary');
    expect(control.paragraphIndices[0]).toBe(0);
    expect(first.paragraphs[0].styleBuiltIn).toBe('Heading1');
    expect(first.paragraphs[0].text).toBe('Summary: key points');
    expect(control.texts.slice(1).join(' ').trim().length).toBeGreaterThan(0);
    // The document itself follows the summary, untouched.
    expect(first.paragraphs[control.paragraphIndices.length].text).toBe(TITLE);

    // The status card has caught up with the model the run used (a tiny-model run can beat the health poll).
    await visible(page.getByText(/^Model: /));
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.getByRole('button', { name: 'Regenerate' }).click();
    await withText(notice(), /replacing the previous summary/);
    const second = await snapshot();
    expect(second.contentControls).toHaveLength(1);
    expect((second.contentControls[0] as { tag: string }).tag).toBe('localscribe-summary');
    expect(second.paragraphs.filter((p) => p.text === TITLE)).toHaveLength(1);
  });

  test('summarizes a selection into a comment on it', async () => {
    await page.evaluate(() => (window as unknown as SimWindow).__sim.state.setSelection([2, 3]));
    const selection = await page.evaluate(() => (window as unknown as SimWindow).__sim.state.selection());
    await page.getByRole('radio', { name: 'Selection' }).check();
    await choose('Output', 'A comment on the selection');
    await page.getByRole('button', { name: 'Summarize', exact: true }).click();
    await withText(notice(), /Inserted as a comment on the selection/);

    const comments = await page.evaluate(() => (window as unknown as SimWindow).__sim.state.comments());
    const mine = comments.filter((c) => c.content.startsWith('LocalScribe (selection): '));
    expect(mine).toHaveLength(1);
    expect(mine[0].anchorText).toBe(selection!.text);
    expect(selection!.paragraphIndices).toContain(mine[0].paragraphIndex);
  });

  test('summarizes the whole document into a comment on each section', async () => {
    await page.getByRole('radio', { name: 'Whole document' }).check();
    await choose('Output', 'A comment on each section');
    await page.getByRole('button', { name: 'Summarize', exact: true }).click();
    await withText(notice(), /Inserted \d+ comments?/);

    const state = await page.evaluate(() => {
      const s = (window as unknown as SimWindow).__sim.state;
      return { comments: s.comments(), texts: s.texts() };
    });
    const sections = state.comments.filter((c) => c.content.startsWith('LocalScribe: '));
    expect(sections.length).toBeGreaterThanOrEqual(1);
    // The engine summarizes this short document as one section, which starts at the document's first paragraph
    // (after the LocalScribe summary at the top, which is not part of what was read).
    const titleIndex = state.texts.indexOf(TITLE);
    expect(sections.map((c) => c.paragraphIndex)).toContain(titleIndex);
  });

  test('Stop ends the stream, frees the engine and leaves the document as it was', async () => {
    await page.getByRole('radio', { name: 'Whole document' }).check();
    await choose('Output', 'New section at the top');
    await page.getByRole('radio', { name: 'Long' }).check();
    const before = await snapshot();

    await page.getByRole('button', { name: 'Summarize', exact: true }).click();
    const stop = page.getByRole('button', { name: 'Stop' });
    await visible(stop);
    // Some generated text is on screen (not only the placeholder) before stopping.
    await summary()
      .filter({ hasNotText: /Waiting for the first words/ })
      .and(page.locator('[aria-busy="true"]'))
      .waitFor({ timeout: UI_TIMEOUT });
    await stop.click();

    await visible(page.getByText('Stopped. Nothing was inserted.'));
    await summary().and(page.locator('[aria-busy="false"]')).waitFor({ timeout: UI_TIMEOUT });
    await visible(page.getByRole('button', { name: 'Summarize', exact: true }));
    await until(async () => {
      const res = await request(engine, { path: '/api/health' });
      const { queue } = JSON.parse(res.body) as { queue: { running: number; waiting: number } };
      return queue.running === 0 && queue.waiting === 0;
    }, 'the engine queue to be idle');
    expect(await snapshot()).toEqual(before);

    await page.getByRole('radio', { name: 'Medium' }).check();
  });

  test('says when the engine is not running, and reconnects when it is back on the same port', async () => {
    const port = engine.port;
    await engine.close();
    await visible(page.getByText('The LocalScribe engine is not running.'));
    await visible(page.getByText('npm start', { exact: true }), 1000);
    await visible(page.getByText('Start the engine first.'), 1000);

    const restarted = await startEngine(testEngineConfig(modelDir, { port }), {
      logger: false,
      tls: await testCertificate(),
    });
    engine = { ...restarted, ca: (await testCertificate()).cert };
    await visible(page.getByText('Engine connected'));
    await page.getByText('Start the engine first.').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
  });

  test('never fetched anything from another host (Office.js included)', () => {
    expect(foreignRequests.filter((u) => u.includes('appsforoffice.microsoft.com'))).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
