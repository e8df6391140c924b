/** @jest-environment jsdom */
import '../helpers/web-platform';
import { API_VERSION } from '../../../localhost-engine/api/api-version';
import type { HealthResponse } from '../../../localhost-engine/api/schemas';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from '../../../taskpane/components/App';
import { requestSelectionRun } from '../../../taskpane/selection-request';
import { SETTINGS_KEY, type Settings } from '../../../taskpane/settings';
import type { SummaryEvent } from '../../../localhost-engine/api/schemas';
import { fakeEngine, health, ndjsonChunks, runEvents, type FakeEngine } from '../helpers/fake-engine';
import { DOCUMENT, fakeWordPort, wordError, type FakeWordPort } from '../helpers/fake-word-port';

const FAST = { connected: 50, busy: 20, down: 20, downMax: 40, timeout: 500 };

function renderPane(engine: FakeEngine, port: FakeWordPort = fakeWordPort(), search = '') {
  return render(<App port={port} fetch={engine.fetch} search={search} healthIntervals={FAST} />);
}

function storeSettings(settings: Partial<Settings>): void {
  localStorage.setItem(
    SETTINGS_KEY,
    JSON.stringify({
      scope: 'document',
      style: 'key-points',
      length: 'medium',
      output: 'section-top',
      ...settings,
    }),
  );
}

const summarizeButton = () => screen.getByRole('button', { name: 'Summarize' });

beforeEach(() => localStorage.clear());

// The pane polls the engine, so React updates arrive outside act() all the time, as they do in a browser; the
// tests wait for what the user would see (findBy/waitFor) instead of wrapping every poll.
beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
});

describe('App', () => {
  it('idle: shows the engine, the options and Summarize', async () => {
    renderPane(fakeEngine());
    expect(await screen.findByText('Engine connected')).toBeTruthy();
    expect(screen.getByText('Device: CPU')).toBeTruthy();
    expect(screen.getByRole('radio', { name: 'Whole document' })).toHaveProperty('checked', true);
    expect(screen.getByLabelText('Style')).toBeTruthy();
    expect(screen.getByLabelText('Output')).toBeTruthy();
    expect(summarizeButton().getAttribute('aria-disabled')).not.toBe('true');
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull();
    expect(screen.getByTestId('summary-text').textContent).toMatch(/select Summarize/);
  });

  it('loading model: the engine reports the load stage before any text', async () => {
    const events = runEvents(['Hi']).slice(0, 2); // start + progress(load), then nothing yet
    const engine = fakeEngine(
      [{ kind: 'stream', chunks: ndjsonChunks(events), close: false }],
      health({ state: 'loading', device: 'dml' }),
    );
    renderPane(engine);
    expect(await screen.findByText(/Loading phi-3-mini-4k-instruct on GPU \(DirectML\)/)).toBeTruthy();
    fireEvent.click(summarizeButton());
    expect(await screen.findByText('Loading the model…')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    await screen.findByText('Stopped. Nothing was inserted.');
  });

  it('streaming: text appears as it is written, with progress and Stop', async () => {
    const events = runEvents(['The ', 'contract ', 'starts ', 'in May.']).slice(0, -1); // no done yet
    const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunks(events), close: false }]);
    renderPane(engine);
    await screen.findByText('Engine connected');
    fireEvent.click(summarizeButton());
    await waitFor(() =>
      expect(screen.getByTestId('summary-text').textContent).toBe('The contract starts in May.'),
    );
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy();
    // The fake engine's only progress event is the model load: the line names the plan, not a part.
    expect(screen.getByTestId('progress-line').textContent).toMatch(/^1 part · /);
    expect(screen.getByTestId('summary-text').getAttribute('aria-live')).toBe('polite');
    // The request carried the document and the options.
    const call = engine.calls.find((c) => c.url === '/api/summarize')!;
    expect(JSON.parse(String(call.init!.body))).toEqual({
      document: { paragraphs: DOCUMENT },
      options: { style: 'key-points', length: 'medium' },
    });
    fireEvent.keyDown(document, { key: 'Escape' });
    await screen.findByText('Stopped. Nothing was inserted.');
  });

  it('cancelled: Stop aborts the request and keeps the partial text', async () => {
    const events = runEvents(['Partial ', 'text']).slice(0, -1);
    const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunks(events), close: false }]);
    const port = fakeWordPort();
    renderPane(engine, port);
    await screen.findByText('Engine connected');
    fireEvent.click(summarizeButton());
    await waitFor(() => expect(screen.getByTestId('summary-text').textContent).toBe('Partial text'));
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    await screen.findByText('Stopped. Nothing was inserted.');
    expect(engine.summarizeSignals[0].aborted).toBe(true);
    expect(screen.getByTestId('summary-text').textContent).toBe('Partial text');
    expect(summarizeButton()).toBeTruthy();
    expect(port.insertSummarySection).not.toHaveBeenCalled();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  const sectionEvents: SummaryEvent[] = [
    { type: 'section', part: 1, title: 'Introduction', summary: 'Starts in May.', paragraphs: [0, 1] },
    { type: 'section', part: 2, title: 'Payment', summary: '30 days.', paragraphs: [2, 2] },
  ];

  it.each([
    [
      'section-top',
      'document',
      (port: FakeWordPort) =>
        expect(port.insertSummarySection).toHaveBeenCalledWith({
          position: 'start',
          title: 'Summary: key points',
          summary: 'Done text.',
          style: 'key-points',
        }),
    ],
    [
      'section-end',
      'document',
      (port: FakeWordPort) =>
        expect(port.insertSummarySection).toHaveBeenCalledWith({
          position: 'end',
          title: 'Summary: key points',
          summary: 'Done text.',
          style: 'key-points',
        }),
    ],
    [
      'section-comments',
      'document',
      (port: FakeWordPort) =>
        expect(port.insertSectionComments).toHaveBeenCalledWith([
          { paragraphs: [0, 1], title: 'Introduction', summary: 'Starts in May.' },
          { paragraphs: [2, 2], title: 'Payment', summary: '30 days.' },
        ]),
    ],
    [
      'selection-comment',
      'selection',
      (port: FakeWordPort) => {
        expect(port.readSelection).toHaveBeenCalled();
        expect(port.insertSelectionComment).toHaveBeenCalledWith('Done text.');
      },
    ],
  ] as const)('done: inserts automatically as %s', async (output, scope, check) => {
    storeSettings({ output, scope });
    const engine = fakeEngine([
      { kind: 'stream', chunks: ndjsonChunks(runEvents(['Done ', 'text.'], sectionEvents)) },
    ]);
    const port = fakeWordPort();
    renderPane(engine, port);
    await screen.findByText('Engine connected');
    fireEvent.click(summarizeButton());
    await screen.findByRole('button', { name: 'Insert' });
    await waitFor(() => check(port));
    expect(screen.getByRole('button', { name: 'Copy' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Regenerate' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Remove summary' })).toBeTruthy();
    expect(await screen.findByText(/^Inserted/)).toBeTruthy();
  });

  it('done with "Do not insert": nothing is inserted until Insert, which then uses the chosen output', async () => {
    storeSettings({ output: 'none' });
    const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunks(runEvents(['Only ', 'here.'])) }]);
    const port = fakeWordPort();
    renderPane(engine, port);
    await screen.findByText('Engine connected');
    fireEvent.click(summarizeButton());
    const insert = await screen.findByRole('button', { name: 'Insert' });
    expect(insert).toHaveProperty('disabled', true);
    expect(port.insertSummarySection).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText('Output'), { target: { value: 'section-end' } });
    fireEvent.click(screen.getByRole('button', { name: 'Insert' }));
    expect(await screen.findByText('Inserted at the end of the document.')).toBeTruthy();
    expect(port.insertSummarySection).toHaveBeenCalledWith({
      position: 'end',
      title: 'Summary: key points',
      summary: 'Only here.',
      style: 'key-points',
    });
    // Remove and Regenerate.
    fireEvent.click(screen.getByRole('button', { name: 'Remove summary' }));
    expect(await screen.findByText('Removed 1 item.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Regenerate' }));
    await waitFor(() => expect(engine.calls.filter((c) => c.url === '/api/summarize')).toHaveLength(2));
  });

  it('a second run replaces the previous summary, and the pane says so', async () => {
    const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunks(runEvents(['Again.'])) }]);
    const port = fakeWordPort();
    port.insertSummarySection.mockResolvedValue({ paragraphs: 2, replaced: 1, listFallback: true });
    renderPane(engine, port);
    await screen.findByText('Engine connected');
    fireEvent.click(summarizeButton());
    expect(
      await screen.findByText(
        /Inserted at the top of the document, replacing the previous summary\. Word would not make a bulleted list/,
      ),
    ).toBeTruthy();
  });

  it('per-section comments without section events: one comment covering the whole document', async () => {
    storeSettings({ output: 'section-comments' });
    const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunks(runEvents(['All.'])) }]);
    const port = fakeWordPort();
    renderPane(engine, port);
    await screen.findByText('Engine connected');
    fireEvent.click(summarizeButton());
    await waitFor(() =>
      expect(port.insertSectionComments).toHaveBeenCalledWith([
        { paragraphs: [0, 2], title: 'Summary', summary: 'All.' },
      ]),
    );
  });

  it('comments unsupported: explains WordApi 1.4, does not insert, and offers the section output', async () => {
    storeSettings({ output: 'section-comments' });
    const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunks(runEvents(['All.'])) }]);
    const port = fakeWordPort({ comments: false });
    renderPane(engine, port);
    await screen.findByText('Engine connected');
    expect(screen.getByText(/needs WordApi 1.4/, { selector: 'div' })).toBeTruthy();
    fireEvent.click(summarizeButton());
    expect(await screen.findByText('Not inserted: comments need WordApi 1.4.')).toBeTruthy();
    expect(port.insertSectionComments).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Use a section at the top' }));
    expect((screen.getByLabelText('Output') as HTMLSelectElement).value).toBe('section-top');
    fireEvent.click(screen.getByRole('button', { name: 'Insert' }));
    await waitFor(() => expect(port.insertSummarySection).toHaveBeenCalled());
  });

  it('error: a server error shows its message in a MessageBar', async () => {
    const engine = fakeEngine([
      {
        kind: 'status',
        status: 400,
        body: {
          statusCode: 400,
          code: 'invalid_body',
          error: 'Bad Request',
          message: 'body/document/paragraphs must have at most 20000 items',
        },
      },
    ]);
    renderPane(engine);
    await screen.findByText('Engine connected');
    fireEvent.click(summarizeButton());
    expect(await screen.findByText(/must have at most 20000 items/)).toBeTruthy();
    expect(screen.getByText('The summary failed')).toBeTruthy();
    // Dismissable, and Summarize is back.
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss message' }));
    expect(screen.queryByText('The summary failed')).toBeNull();
    expect(summarizeButton()).toBeTruthy();
  });

  it('model errors point to localscribe doctor: a model that failed to load, and a 503 model_error', async () => {
    const engine = fakeEngine(
      [
        {
          kind: 'status',
          status: 503,
          body: {
            statusCode: 503,
            code: 'model_error',
            error: 'Service Unavailable',
            message: 'The model could not be loaded: model.onnx is truncated.',
          },
        },
      ],
      health({ state: 'error', error: 'model.onnx is truncated' }),
    );
    renderPane(engine);
    expect(await screen.findByText(/failed to load: model\.onnx is truncated/)).toBeTruthy();
    expect(screen.getByText('localscribe doctor')).toBeTruthy();
    fireEvent.click(summarizeButton());
    const bar = await screen.findByText('The model could not be loaded');
    expect(
      within(bar.closest('[data-source]') as HTMLElement).getByText(/Run `localscribe doctor`/),
    ).toBeTruthy();
  });

  it('error: an error event in the stream, and a busy engine with Retry-After', async () => {
    const engine = fakeEngine([
      {
        kind: 'stream',
        chunks: ndjsonChunks([
          ...runEvents(['a']).slice(0, 3),
          { type: 'error', code: 'device_lost', message: 'The GPU was removed.' },
        ]),
      },
      {
        kind: 'status',
        status: 429,
        headers: { 'Retry-After': '9' },
        body: {
          statusCode: 429,
          code: 'queue_full',
          error: 'Too Many Requests',
          message: 'The queue is full.',
        },
      },
    ]);
    renderPane(engine);
    await screen.findByText('Engine connected');
    fireEvent.click(summarizeButton());
    expect(await screen.findByText(/The GPU was removed\./)).toBeTruthy();
    fireEvent.click(summarizeButton());
    expect(await screen.findByText(/The queue is full\. Try again in 9 s\./)).toBeTruthy();
  });

  it.each([
    ['empty_document', 'The document is empty', 'document'],
    ['empty_selection', 'Nothing is selected', 'selection'],
  ] as const)('Word error %s: shows the Word layer message, sends nothing', async (code, title, scope) => {
    const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunks(runEvents(['x'])) }]);
    const port = fakeWordPort();
    port.readDocument.mockRejectedValue(wordError(code, 'There is no text to summarize.'));
    port.readSelection.mockRejectedValue(wordError(code, 'There is no text to summarize.'));
    renderPane(engine, port, scope === 'selection' ? '?scope=selection' : '');
    await screen.findByText('Engine connected');
    fireEvent.click(summarizeButton());
    const bar = await screen.findByText(title);
    expect(
      within(bar.closest('[data-source]') as HTMLElement).getByText(/There is no text to summarize\./),
    ).toBeTruthy();
    expect(bar.closest('[data-source]')!.getAttribute('data-source')).toBe('word');
    expect(engine.calls.some((c) => c.url === '/api/summarize')).toBe(false);
  });

  it('?scope=selection selects the selection for this session only', async () => {
    renderPane(fakeEngine(), fakeWordPort(), '?scope=selection');
    expect(screen.getByRole('radio', { name: 'Selection' })).toHaveProperty('checked', true);
    // The persisted output still applies where it makes sense; per-section comments do not for a selection.
    const output = screen.getByLabelText('Output') as HTMLSelectElement;
    expect(output.value).toBe('section-top');
    const choices = Array.from(output.options, (o) => o.value);
    expect(choices).toContain('selection-comment');
    expect(choices).not.toContain('section-comments');
    fireEvent.click(screen.getByRole('radio', { name: 'Long' }));
    expect(JSON.parse(localStorage.getItem(SETTINGS_KEY)!)).toMatchObject({
      scope: 'document',
      length: 'long',
    });
    await screen.findByText('Engine connected');
  });

  it('"Summarize selection" from the context menu switches the open pane to the selection and starts', async () => {
    storeSettings({ scope: 'document', output: 'none' });
    const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunks(runEvents(['Selected.'])) }]);
    const port = fakeWordPort();
    renderPane(engine, port);
    await screen.findByText('Engine connected');
    expect(screen.getByRole('radio', { name: 'Whole document' })).toHaveProperty('checked', true);
    act(() => requestSelectionRun(true));
    await waitFor(() => expect(screen.getByTestId('summary-text').textContent).toBe('Selected.'));
    expect(port.readSelection).toHaveBeenCalledTimes(1);
    expect(port.readDocument).not.toHaveBeenCalled();
    expect(screen.getByRole('radio', { name: 'Selection' })).toHaveProperty('checked', true);
    // For this session only, like the menu's old URL: the stored choice is untouched.
    expect(JSON.parse(localStorage.getItem(SETTINGS_KEY)!)).toMatchObject({ scope: 'document' });
  });

  it('"Summarize selection" during a run: the run goes on, nothing else starts, and the pane says why', async () => {
    storeSettings({ scope: 'document', output: 'none' });
    const events = runEvents(['Whole ', 'document']).slice(0, -1); // streaming, no done yet
    const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunks(events), close: false }]);
    const port = fakeWordPort();
    renderPane(engine, port);
    await screen.findByText('Engine connected');
    fireEvent.click(summarizeButton());
    await waitFor(() => expect(screen.getByTestId('summary-text').textContent).toBe('Whole document'));
    act(() => requestSelectionRun(true));
    expect(await screen.findByText(/A summary is already running\. Stop it \(Esc\)/)).toBeTruthy();
    expect(engine.calls.filter((c) => c.url === '/api/summarize')).toHaveLength(1);
    expect(engine.summarizeSignals[0].aborted).toBe(false);
    expect(port.readSelection).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy();
    expect(screen.getByTestId('summary-text').textContent).toBe('Whole document');
    // The options are locked while a run goes, so the scope stays too.
    expect(screen.getByRole('radio', { name: 'Whole document' })).toHaveProperty('checked', true);
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    await screen.findByText('Stopped. Nothing was inserted.');
  });

  it.each([
    [
      'the engine is down',
      'down' as const,
      'The LocalScribe engine is not running.',
      'Start the engine first.',
    ],
    [
      'no model is installed',
      health({ state: 'missing', device: null }),
      'No model installed',
      'Install a model first.',
    ],
  ])(
    '"Summarize selection" while %s: switches the scope, starts nothing, says why',
    async (_, state, shown, reason) => {
      storeSettings({ scope: 'document', output: 'none' });
      const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunks(runEvents(['Selected.'])) }], state);
      const port = fakeWordPort();
      renderPane(engine, port);
      expect(await screen.findByText(shown)).toBeTruthy();
      act(() => requestSelectionRun(true));
      expect(await screen.findByText(`"Summarize selection" did not start. ${reason}`)).toBeTruthy();
      expect(screen.getByRole('radio', { name: 'Selection' })).toHaveProperty('checked', true);
      expect(port.readSelection).not.toHaveBeenCalled();
      expect(engine.calls.some((c) => c.url === '/api/summarize')).toBe(false);
      expect(summarizeButton().getAttribute('aria-disabled')).toBe('true');
    },
  );

  it('a "Summarize selection" made before the pane opened waits for the engine: starts when ready', async () => {
    storeSettings({ scope: 'document', output: 'none' });
    const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunks(runEvents(['Selected.'])) }]);
    const port = fakeWordPort();
    requestSelectionRun(false);
    renderPane(engine, port);
    await waitFor(() => expect(screen.getByTestId('summary-text').textContent).toBe('Selected.'));
    expect(port.readSelection).toHaveBeenCalledTimes(1);
    expect(engine.calls.filter((c) => c.url === '/api/summarize')).toHaveLength(1);
  });

  it('a "Summarize selection" made before the pane opened sends nothing to an engine of another version', async () => {
    const newer = { status: 'ok', version: '9.0.0', apiVersion: API_VERSION + 1, engine: { models: [] } };
    const engine = fakeEngine([], newer as unknown as HealthResponse);
    const port = fakeWordPort();
    requestSelectionRun(false);
    renderPane(engine, port);
    expect(
      await screen.findByText(
        '"Summarize selection" did not start. Reload the add-in or update LocalScribe first.',
      ),
    ).toBeTruthy();
    expect(port.readSelection).not.toHaveBeenCalled();
    expect(engine.calls.some((c) => c.url === '/api/summarize')).toBe(false);
  });

  it('engine down: guidance to start it, Summarize blocked, and recovery when it returns', async () => {
    const engine = fakeEngine([], 'down');
    renderPane(engine);
    expect(await screen.findByText('The LocalScribe engine is not running.')).toBeTruthy();
    expect(screen.getByText('localscribe service install')).toBeTruthy();
    expect(screen.getByText('npm start')).toBeTruthy();
    expect(screen.getByText('localscribe doctor')).toBeTruthy();
    expect(summarizeButton().getAttribute('aria-disabled')).toBe('true');
    expect(screen.getByText('Start the engine first.')).toBeTruthy();
    act(() => {
      engine.health = health();
    });
    expect(await screen.findByText('Engine connected', undefined, { timeout: 2000 })).toBeTruthy();
    expect(summarizeButton().getAttribute('aria-disabled')).not.toBe('true');
  });

  it('a cached pane meeting a newer engine says to reload it, reads nothing else, and blocks Summarize', async () => {
    // A future engine whose health has another shape: no `model`, which this pane would otherwise need.
    const newer = { status: 'ok', version: '9.0.0', apiVersion: API_VERSION + 1, engine: { models: [] } };
    renderPane(fakeEngine([], newer as unknown as HealthResponse));
    const title = await screen.findByText('This pane and the engine are different versions');
    const bar = title.closest('[role="status"]') as HTMLElement;
    expect(within(bar).getByText(/The engine was updated \(LocalScribe 9\.0\.0\)/)).toBeTruthy();
    expect(within(bar).getByText(/Close the pane and open it again/)).toBeTruthy();
    expect(summarizeButton().getAttribute('aria-disabled')).toBe('true');
    expect(screen.getByText('Reload the add-in or update LocalScribe first.')).toBeTruthy();
    expect(screen.queryByText('The LocalScribe engine is not running.')).toBeNull();
  });

  it('a pane meeting an older engine (from before API versions) says to update and restart the engine', async () => {
    const older = { status: 'ok', version: '0.1.0', model: { id: 'm', state: 'ready' }, queue: {} };
    renderPane(fakeEngine([], older as unknown as HealthResponse));
    const title = await screen.findByText('This pane and the engine are different versions');
    const bar = title.closest('[role="status"]') as HTMLElement;
    expect(
      within(bar).getByText(
        /is older than this pane\. Update LocalScribe and restart it: run `localscribe setup`/,
      ),
    ).toBeTruthy();
  });

  it('model missing: a Download button for the default model, with the command as an alternative', async () => {
    renderPane(fakeEngine([], health({ state: 'missing', device: null })));
    expect(await screen.findByText('No model installed')).toBeTruthy();
    expect(screen.getByText('localscribe models download')).toBeTruthy();
    const download = await screen.findByRole('button', {
      name: /^Download Phi-3-mini-4k-instruct \(2\.7\d GB\)$/,
    });
    expect(download).toHaveProperty('disabled', false);
    expect(screen.getByText('Install a model first.')).toBeTruthy();
  });

  it('model missing reported by summarize (503 model_missing)', async () => {
    const engine = fakeEngine([
      {
        kind: 'status',
        status: 503,
        body: {
          statusCode: 503,
          code: 'model_missing',
          error: 'Service Unavailable',
          message: 'No model is installed.',
        },
      },
    ]);
    renderPane(engine);
    await screen.findByText('Engine connected');
    fireEvent.click(summarizeButton());
    const bar = await screen.findByText(/No model is installed\. Install one with/);
    expect(bar).toBeTruthy();
  });
});
