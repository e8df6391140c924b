/**
 * `npm run screenshot`: the built pane in headless Chromium (Debian's, /usr/bin/chromium), served by the engine with
 * the example summarizer, on the browser tests' simulated Word document; it summarizes as key points and saves the
 * pane, 360 px wide as in Word, to docs/images/taskpane.png. Nothing is fetched from outside localhost.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { makeSelfSignedCertificate } from '../localhost-engine/certificates';
import { startEngine } from '../localhost-engine/server';
import { DOCUMENT } from '../test/browser/example-document';
import { CHROMIUM, launchChromium, openPane } from '../test/helpers/pane-browser';
import { testEngineConfig } from '../test/helpers/test-engine';
import { ExampleSummarizer } from './example-summarizer';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'docs', 'images', 'taskpane.png');

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist', 'taskpane', 'taskpane.html'))) {
    throw new Error('dist/taskpane is missing: run `npm run build:taskpane` (npm run screenshot does).');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM} (apt-get install chromium).`);
  const engine = await startEngine(testEngineConfig(ROOT, { optimizedCopy: false }), {
    tls: await makeSelfSignedCertificate(),
    logger: false,
    summarizer: new ExampleSummarizer(),
    modelStore: null,
  });
  const browser = await launchChromium();
  try {
    const page = await openPane(browser, `${engine.url}/`, DOCUMENT, []);
    await page.getByText('Engine connected').waitFor({ timeout: 30_000 });
    await page.getByLabel('Style').selectOption({ label: 'Key points' });
    await page.getByRole('radio', { name: 'Short' }).check();
    await page.getByRole('button', { name: 'Summarize' }).click();
    await page.getByRole('button', { name: 'Copy' }).waitFor({ timeout: 30_000 });
    mkdirSync(path.dirname(OUT), { recursive: true });
    await page.screenshot({ path: OUT, fullPage: true });
    console.log(`Saved ${path.relative(ROOT, OUT)}`);
  } finally {
    await browser.close();
    await engine.close();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
