/**
 * Citations on the whole path: the built pane in Chromium, a real engine over HTTPS whose summarizer runs a scripted
 * model that cites (random weights cite nothing useful), and the strict Word simulation. Chips appear after each
 * point, a click selects the right paragraph, an inserted summary links each citation to a bookmark on its
 * paragraph, a Word without WordApi 1.4 gets "(¶n)" text, "Summarize these" keeps the document's numbers, and the
 * context menu's "Summarize selection" switches the open pane to the selection and starts (shared runtime).
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import { DocumentSummarizer } from '../../localhost-engine/summarize/document-summarizer';
import type { WordSimulation, WordSimulationOptions } from '../word-simulation/word-simulation';
import { citingAnswer } from '../helpers/citing-answer';
import { haveChromium, launchChromium, openPane } from '../helpers/pane-browser';
import { ScriptedGenerator } from '../helpers/scripted-generator';
import { startTestEngine, type TestEngine } from '../helpers/test-engine';

const describeInBrowser = haveChromium() ? describe : describe.skip;

const LEASE: WordSimulationOptions = {
  apiVersion: '1.4',
  sharedRuntime: true,
  paragraphs: [
    { text: 'Lease', style: 'Title' },
    { text: 'Rent', style: 'Heading1' },
    'The tenant pays rent of 900 euros on the first day of each month.',
    '',
    { text: 'Deposit', style: 'Heading1' },
    'The deposit of two months of rent is returned within thirty days after the lease ends.',
    { text: 'Pets', style: 'Heading1' },
    'No pets may be kept without the written consent of the landlord.',
  ],
};
const RENT = 'The tenant pays rent of 900 euros on the first day of each month.';
const DEPOSIT = 'The deposit of two months of rent is returned within thirty days after the lease ends.';
const PETS = 'No pets may be kept without the written consent of the landlord.';

type SimWindow = Window & { __sim: WordSimulation };

const UI_TIMEOUT = 30_000;

describeInBrowser('citations in the pane and in Word, behind the real HTTP stream', () => {
  let engine: TestEngine;
  let browser: Browser;
  const foreignRequests: string[] = [];

  const sim = <T>(page: Page, read: (s: WordSimulation['state']) => T): Promise<T> =>
    page.evaluate(`(${read.toString()})(window.__sim.state)`) as Promise<T>;

  async function summarize(page: Page, output: string): Promise<Locator> {
    await page.getByLabel('Output').selectOption({ label: output });
    await page.getByRole('button', { name: 'Summarize', exact: true }).click();
    const view = page.getByTestId('cited-summary');
    await view.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    return view;
  }

  beforeAll(async () => {
    const summarizer = new DocumentSummarizer(new ScriptedGenerator({ answer: (m) => citingAnswer(m) }), {
      cacheDir: null,
    });
    engine = await startTestEngine(await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' }), {
      summarizer,
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await engine?.close();
  });

  /** A pane that summarized the lease and inserted it as a new section, its citations linked. */
  const insertedWithLinks = async (): Promise<Page> => {
    const page = await openPane(browser, `${engine.url}/`, LEASE, foreignRequests);
    await page.getByText('Engine connected').waitFor({ timeout: UI_TIMEOUT });
    await summarize(page, 'New section at the top');
    await page
      .getByTestId('notice')
      .filter({ hasText: /links to the paragraph/ })
      .waitFor({ timeout: UI_TIMEOUT });
    return page;
  };

  test('chips appear after each point; a click selects the cited paragraph in Word', async () => {
    const page = await openPane(browser, `${engine.url}/`, LEASE, foreignRequests);
    await page.getByText('Engine connected').waitFor({ timeout: UI_TIMEOUT });
    const view = await summarize(page, 'Do not insert');
    const chips = view.getByTestId('source-chip');
    // Numbered as readDocument reads (the empty paragraph skipped); the point with a broken citation gets the
    // paragraph the engine's check found for it.
    await expect(chips.allTextContents()).resolves.toEqual(['Rent ¶3', 'Deposit ¶5', 'Deposit ¶5']);
    // No raw marker reached the pane.
    expect(await view.textContent()).not.toMatch(/\[¶/);
    await chips.nth(1).click();
    await page.waitForFunction(
      (text) => (window as unknown as SimWindow).__sim.state.selection()?.text === text,
      DEPOSIT,
      { timeout: UI_TIMEOUT },
    );
    // Keyboard: a focused chip is selected with Enter the same way.
    await chips.nth(0).focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (text) => (window as unknown as SimWindow).__sim.state.selection()?.text === text,
      RENT,
      { timeout: UI_TIMEOUT },
    );
    await expect(page.getByTestId('coverage-line').textContent()).resolves.toMatch(
      /Not covered \(2 of 4\): Lease, Pets\./,
    );
    await page.close();
  });

  test('an inserted summary links each citation to a bookmark on its paragraph', async () => {
    const page = await insertedWithLinks();
    const links = await sim(page, (s) => s.hyperlinks());
    const bookmarks = await sim(page, (s) => s.bookmarks());
    expect(links.map((l) => [l.address, l.text])).toEqual([
      ['#_LocalScribe_3', '¶3'],
      ['#_LocalScribe_5', '¶5'],
      ['#_LocalScribe_5', '¶5'],
    ]);
    const texts = await sim(page, (s) => s.texts());
    for (const link of links) {
      const mark = bookmarks.find((b) => `#${b.name}` === link.address)!;
      expect(texts[mark.paragraphIndex]).toBe(link.text === '¶3' ? RENT : DEPOSIT);
    }
    await page.close();
  });

  test('a Word without WordApi 1.4 gets the citations as (¶n) text', async () => {
    const page = await openPane(browser, `${engine.url}/`, { ...LEASE, apiVersion: '1.3' }, foreignRequests);
    await page.getByText('Engine connected').waitFor({ timeout: UI_TIMEOUT });
    await summarize(page, 'New section at the top');
    await page
      .getByTestId('notice')
      .filter({ hasText: /plain \(¶n\) text/ })
      .waitFor({ timeout: UI_TIMEOUT });
    const control = (await sim(page, (s) => s.contentControls()))[0];
    expect(control.texts.slice(1, 3).map((t) => t.replace(/^.*?(\(¶\d+\))$/, '$1'))).toEqual([
      '(¶3)',
      '(¶5)',
    ]);
    expect(await sim(page, (s) => [s.hyperlinks().length, s.bookmarks().length])).toEqual([0, 0]);
    await page.close();
  });

  test('"Summarize these" cites with the document\'s numbers, in the pane and in the inserted summary', async () => {
    const page = await insertedWithLinks();
    await page.getByRole('button', { name: 'Summarize these' }).click();
    await page
      .getByTestId('notice')
      .filter({ hasText: /Summarized only Lease, Pets\./ })
      .waitFor({ timeout: UI_TIMEOUT });
    // Only Lease, Pets and its paragraph were sent; the paragraph is still the document's ¶7 (as readDocument reads).
    const chips = page.getByTestId('cited-summary').getByTestId('source-chip');
    await expect(chips.allTextContents()).resolves.toEqual(['Pets ¶7']);
    await chips.first().click();
    await page.waitForFunction(
      (text) => (window as unknown as SimWindow).__sim.state.selection()?.text === text,
      PETS,
      { timeout: UI_TIMEOUT },
    );
    await page.getByRole('button', { name: 'Insert' }).click();
    await page
      .getByTestId('notice')
      .filter({ hasText: /replacing the previous summary\. Each ¶ number links/ })
      .waitFor({ timeout: UI_TIMEOUT });
    const links = await sim(page, (s) => s.hyperlinks());
    expect(links.map((l) => [l.address, l.text])).toEqual([['#_LocalScribe_7', '¶7']]);
    const mark = (await sim(page, (s) => s.bookmarks())).find((b) => b.name === '_LocalScribe_7');
    expect(mark?.text).toBe(PETS);
    await page.close();
  });

  test('"Summarize selection" from the context menu switches the open pane to the selection and starts', async () => {
    const page = await openPane(browser, `${engine.url}/`, { ...LEASE, selection: [5, 5] }, foreignRequests);
    await page.getByText('Engine connected').waitFor({ timeout: UI_TIMEOUT });
    await page.getByLabel('Output').selectOption({ label: 'Do not insert' });
    await page.getByRole('radio', { name: 'Whole document' }).check();
    await page.evaluate(() => (window as unknown as SimWindow).__sim.runCommand('summarizeSelection'));
    const chips = page.getByTestId('cited-summary').getByTestId('source-chip');
    await chips.first().waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole('radio', { name: 'Selection' }).isChecked()).toBe(true);
    // The selection was one paragraph: the summary cites it as ¶1 of what was sent, and finds it by its text.
    await expect(chips.allTextContents()).resolves.toEqual(['¶1', '¶1']);
    expect(await sim(page, (s) => s.taskpaneShown)).toBe(1);
    await chips.first().click();
    await page.waitForFunction(
      (text) => (window as unknown as SimWindow).__sim.state.selection()?.text === text,
      DEPOSIT,
      { timeout: UI_TIMEOUT },
    );
    await page.close();
  });

  test('never fetched anything from another host', () => {
    expect(foreignRequests).toEqual([]);
  });
});
