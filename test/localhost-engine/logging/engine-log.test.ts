/**
 * The engine's log as the service writes it: a real engine on the tiny model logging to a rotating file records
 * its requests and refusals, and no word of the documents it was sent, valid or not.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureGeneratedModel } from '../../../models/ensure-generated-model';
import { RotatingFile } from '../../../localhost-engine/logging/rotating-file';
import {
  collect,
  request,
  startTestEngine,
  summarizeStream,
  type TestEngine,
} from '../../helpers/test-engine';

const SECRET = 'Zanzibar-merger-7731';

describe('the engine log', () => {
  let engine: TestEngine;
  let log: RotatingFile;

  beforeAll(async () => {
    const model = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    log = new RotatingFile(path.join(mkdtempSync(path.join(os.tmpdir(), 'engine-log-')), 'engine.log'));
    engine = await startTestEngine(model, { logger: { level: 'info', stream: log } });
  });

  afterAll(async () => {
    await engine.close();
    log.close();
  });

  test('records requests and refusals without the text of any document', async () => {
    const events = await collect(
      await summarizeStream(engine, {
        document: {
          paragraphs: [
            {
              text: `The ${SECRET} closes on Friday.`,
              style: 'Normal',
              outlineLevel: null,
              isListItem: false,
              inTable: false,
            },
          ],
        },
        options: { style: 'paragraph', length: 'short' },
      }),
    );
    expect(events.at(-1)?.event.type).toBe('done');
    const broken = await request(engine, {
      method: 'POST',
      path: '/api/summarize',
      headers: { 'content-type': 'application/json' },
      body: `{"text": ${SECRET} }`,
    });
    expect(broken.status).toBe(400);
    expect(broken.body).toContain('not valid JSON');
    const wrongType = await request(engine, {
      method: 'POST',
      path: '/api/summarize',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: SECRET, options: { style: SECRET } }),
    });
    expect(wrongType.status).toBe(400);

    const text = readFileSync(log.file, 'utf8');
    const entries = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg?: string; code?: string });
    expect(entries.filter((e) => e.msg === 'request refused').map((e) => e.code)).toEqual(
      expect.arrayContaining(['invalid_json']),
    );
    expect(entries.some((e) => e.msg === 'request completed')).toBe(true);
    expect(text).not.toContain('Zanzibar');
    expect(text).not.toContain('7731');
  });
});
