/**
 * `localscribe summarize` as a user runs it: a real process, a real .docx and .txt, the tiny model.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import type { SummaryEvent } from '../../localhost-engine/api/schemas';
import { Document, HeadingLevel, Packer, Paragraph as DocxParagraph } from 'docx';
import { buildReportDocx } from './documents/docx-fixtures';
import { coverage, licenceDocument } from '../helpers/long-document';
import { json, sse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { runProcess, type Ran } from '../helpers/run-process';
import { vllmStream } from './upstream/wire-fixtures';

// The source, not bin/localscribe.js: the bin prefers a compiled dist/ that may be older than the source.
const CLI = path.join(__dirname, '..', '..', 'localhost-engine', 'cli.ts');

function run(args: string[], input?: string, env: Record<string, string> = {}): Promise<Ran> {
  return runProcess(process.execPath, ['--require', 'tsx/cjs', CLI, ...args], {
    env: { ...process.env, LOCALSCRIBE_HOME: mkdtempSync(path.join(os.tmpdir(), 'ls-home-')), ...env },
    input,
  });
}

describe('localscribe summarize', () => {
  let model: string;
  let dir: string;
  beforeAll(async () => {
    model = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    dir = mkdtempSync(path.join(os.tmpdir(), 'ls-cli-'));
  });

  it('summarizes a .docx as an NDJSON event stream with the document plan', async () => {
    const file = path.join(dir, 'report.docx');
    writeFileSync(file, await buildReportDocx());
    const res = await run([
      'summarize',
      file,
      '--model',
      model,
      '--device',
      'cpu',
      '--ndjson',
      '--length',
      'short',
    ]);
    expect(res.code).toBe(0);
    const events = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as SummaryEvent);
    const start = events.find((e) => e.type === 'start');
    expect(start).toMatchObject({ type: 'start', device: 'cpu', plan: { parts: 1 } });
    expect(start?.type === 'start' && start.plan.paragraphs).toBeGreaterThan(5);
    const done = events[events.length - 1];
    expect(done.type).toBe('done');
    const deltas = events.filter((e): e is Extract<SummaryEvent, { type: 'delta' }> => e.type === 'delta');
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.map((d) => d.text).join('')).toBe(done.type === 'done' ? done.summary : '');
    expect(res.stderr).toMatch(/Summarizing \d+ paragraphs/);
  });

  it('plans a long .docx in parts and covers every paragraph, as the engine does', async () => {
    const paragraphs = licenceDocument(12_000).map(
      (p) =>
        new DocxParagraph({
          text: p.text,
          heading:
            p.style === 'Heading1'
              ? HeadingLevel.HEADING_1
              : p.style === 'Heading2'
                ? HeadingLevel.HEADING_2
                : undefined,
        }),
    );
    const file = path.join(dir, 'licence.docx');
    writeFileSync(file, await Packer.toBuffer(new Document({ sections: [{ children: paragraphs }] })));
    const res = await run([
      'summarize',
      file,
      '--model',
      model,
      '--device',
      'cpu',
      '--ndjson',
      '--length',
      'short',
    ]);
    expect(res.code).toBe(0);
    const events = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as SummaryEvent);
    const start = events.find((e): e is Extract<SummaryEvent, { type: 'start' }> => e.type === 'start');
    expect(start?.plan.parts).toBeGreaterThan(1);
    expect(start?.plan.paragraphs).toBe(paragraphs.length);
    const sections = events.filter(
      (e): e is Extract<SummaryEvent, { type: 'section' }> => e.type === 'section',
    );
    expect(sections).toHaveLength(start?.plan.parts ?? -1);
    expect(
      coverage(
        sections.map((s) => s.paragraphs),
        paragraphs.length,
      ).every((h) => h === 1),
    ).toBe(true);
    expect(events[events.length - 1].type).toBe('done');
    expect(res.stderr).toMatch(/in \d+ parts/);
    expect(res.stderr).toMatch(/Part 1 of \d+/);
  });

  it('streams a .txt summary to stdout as text and reports progress on stderr', async () => {
    const file = path.join(dir, 'notes.txt');
    writeFileSync(file, 'The meeting moved to Tuesday.\n\nBudget approval is pending.\n');
    const res = await run(['summarize', file, '--model', model, '--device', 'cpu', '--style', 'paragraph']);
    expect(res.code).toBe(0);
    expect(res.stdout.trim().length).toBeGreaterThan(0);
    expect(res.stdout).not.toMatch(/"type":/);
    expect(res.stderr).toMatch(/Done: \d+ tokens/);
  });

  it('prints [¶n] markers and the coverage with --citations', async () => {
    const file = path.join(dir, 'lease.md');
    writeFileSync(
      file,
      '# Rent\n\nThe tenant pays rent monthly.\n\n# Deposit\n\nThe deposit is two months of rent.\n',
    );
    const res = await run(['summarize', file, '--model', model, '--device', 'cpu', '--citations']);
    expect(res.code).toBe(0);
    // Random weights cite nothing useful, but every marker the check attached names one of the four paragraphs.
    const markers = [...res.stdout.matchAll(/\[¶(\d+)(?:, ¶(\d+))*\]/g)].flatMap((m) =>
      m.slice(1).filter(Boolean).map(Number),
    );
    expect(markers.every((n) => n >= 1 && n <= 4)).toBe(true);
    expect(res.stdout).toMatch(/\nCoverage: the summary cites [0-2] of 2 headings\.\n/);
  });

  it('reads standard input with "-"', async () => {
    const res = await run(
      ['summarize', '-', '--model', model, '--device', 'cpu', '--ndjson'],
      'One line of input.',
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/"type":"done"/);
  });

  it('fails cleanly on a missing file, naming it', async () => {
    const res = await run(['summarize', path.join(dir, 'nope.docx'), '--model', model]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/nope\.docx/);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(res.stdout).toBe('');
  });

  it('fails cleanly on a corrupt .docx, naming it', async () => {
    const file = path.join(dir, 'broken.docx');
    writeFileSync(file, Buffer.from('this is not a zip file at all'));
    const res = await run(['summarize', file, '--model', model]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/broken\.docx/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('explains a missing model instead of crashing', async () => {
    const file = path.join(dir, 'a.txt');
    writeFileSync(file, 'Some text.');
    const res = await run(['summarize', file, '--model', path.join(dir, 'no-model-here')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/No model is installed/);
  });

  it('rejects a bad option with usage and exit code 2', async () => {
    const res = await run(['summarize', 'x.txt', '--style', 'poem']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--style must be one of/);
  });
});

describe('localscribe summarize --upstream', () => {
  let upstream: FakeUpstream;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(async () => upstream.close());

  it('summarizes through an OpenAI-compatible server, with the key from the named variable, never printed', async () => {
    upstream.chat = [
      sse(vllmStream(['Rent is due ', 'on the first.'], { usage: { prompt: 70, completion: 6 } })),
    ];
    const args = ['summarize', '-', '--upstream', upstream.baseUrl, '--upstream-model', 'phi-3-mini'];
    const env = { TEAM_KEY: 'sk-secret-4711' };
    const text = await run(
      [...args, '--upstream-context', '4096', '--upstream-key-env', 'TEAM_KEY'],
      'The tenant pays rent.',
      env,
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toBe('Rent is due on the first.\n');
    expect(text.stderr).toMatch(new RegExp(`with phi-3-mini at 127\\.0\\.0\\.1:${upstream.port}`));
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer sk-secret-4711');
    upstream.chat = [json(401, { error: { message: 'invalid api key' } })];
    const failed = await run(
      [...args, '--upstream-key-env', 'TEAM_KEY', '--ndjson'],
      'The tenant pays rent.',
      env,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/refused the request \(HTTP 401: invalid api key\).*TEAM_KEY/);
    expect(failed.stdout + failed.stderr).not.toContain('sk-secret-4711');
  });

  it("prints the server's citations with --citations, checked here like the local model's", async () => {
    upstream.chat = [sse(vllmStream(['- The deposit is two ', 'months of rent [¶', '4].']))];
    const res = await run(
      ['summarize', '-', '--upstream', upstream.baseUrl, '--upstream-model', 'phi-3-mini', '--citations'],
      'Rent\n\nThe tenant pays rent monthly.\n\nDeposit\n\nThe deposit is two months of rent.\n',
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(
      /^- The deposit is two months of rent\. \[¶4\]\n\nCoverage: the summary cites /,
    );
    const sent = upstream.requests.at(-1)!.body as { messages: Array<{ content: string }> };
    expect(sent.messages.at(-1)!.content).toContain('[¶4] The deposit is two months of rent.');
  });

  it('refuses plain http to another computer, and a backend that is not configured', async () => {
    const http = await run([
      'summarize',
      '-',
      '--upstream',
      'http://gpu.example:8000/v1',
      '--upstream-model',
      'm',
    ]);
    expect(http.code).toBe(1);
    expect(http.stderr).toMatch(/not on this computer.*--upstream-allow-http/);
    const unknown = await run(['summarize', '-', '--backend', 'team'], 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No backend "team" is configured; the engine has local\./);
    expect(upstream.requests.filter((r) => r.headers.host?.includes('gpu.example'))).toEqual([]);
  });
});
