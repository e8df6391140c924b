/** @jest-environment jsdom */
/**
 * The backend choice in the pane: offered only when the engine has more than its local model, saying where the
 * text goes before anything is sent, named in the request by id, remembered, and never blocking an upstream run
 * on a missing local model.
 */
import '../helpers/web-platform';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { Backend, HealthResponse, SummaryEvent } from '../../../localhost-engine/api/schemas';
import { App } from '../../../taskpane/components/App';
import { SETTINGS_KEY } from '../../../taskpane/settings';
import { fakeEngine, health, ndjsonChunks, runEvents, type FakeEngine } from '../helpers/fake-engine';
import { fakeWordPort, type FakeWordPort } from '../helpers/fake-word-port';

const FAST = { connected: 50, busy: 20, down: 20, downMax: 40, timeout: 500 };

const LOCAL: Backend = {
  id: 'local',
  kind: 'local',
  model: 'phi-3-mini-4k-instruct',
  host: null,
  remote: false,
};
const TEAM: Backend = {
  id: 'team',
  kind: 'upstream',
  model: 'phi-4-mini',
  host: 'llm.example.com',
  remote: true,
};
const OLLAMA: Backend = {
  id: 'ollama',
  kind: 'upstream',
  model: 'phi3:mini',
  host: '127.0.0.1:11434',
  remote: false,
};

function withBackends(backends: Backend[], model: Partial<HealthResponse['model']> = {}): HealthResponse {
  return { ...health(model), backends };
}

function renderPane(engine: FakeEngine, port: FakeWordPort = fakeWordPort()) {
  return render(<App port={port} fetch={engine.fetch} search="" healthIntervals={FAST} />);
}

const summarizeButton = () => screen.getByRole('button', { name: 'Summarize' });
const requestOptions = (engine: FakeEngine, n = 0) =>
  JSON.parse(String(engine.calls.filter((c) => c.url === '/api/summarize')[n].init!.body)).options;

beforeEach(() => localStorage.clear());
beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
});

describe('choosing the backend', () => {
  it('is not offered when the engine has only its local model', async () => {
    renderPane(fakeEngine([], withBackends([LOCAL])));
    await screen.findByText('Engine connected');
    expect(screen.queryByLabelText('Model')).toBeNull();
  });

  it('says where the text goes before it is sent, and names the backend in the request', async () => {
    const engine = fakeEngine(
      [
        { kind: 'stream', chunks: ndjsonChunks(runEvents(['Done.'])) },
        { kind: 'stream', chunks: ndjsonChunks(runEvents(['Local.'])) },
      ],
      withBackends([LOCAL, TEAM, OLLAMA]),
    );
    renderPane(engine);
    const select = (await screen.findByLabelText('Model')) as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.textContent)).toEqual([
      'phi-3-mini-4k-instruct on this computer',
      'phi-4-mini on llm.example.com (team)',
      'phi3:mini on 127.0.0.1:11434 (ollama)',
    ]);
    expect(screen.queryByTestId('text-leaves')).toBeNull();
    fireEvent.change(select, { target: { value: 'ollama' } });
    // Another program on this computer: nothing leaves it.
    expect(screen.queryByTestId('text-leaves')).toBeNull();
    fireEvent.change(select, { target: { value: 'team' } });
    expect(screen.getByTestId('text-leaves').textContent).toBe('Text is sent to llm.example.com.');
    expect(JSON.parse(localStorage.getItem(SETTINGS_KEY)!).backend).toBe('team');
    fireEvent.click(summarizeButton());
    await screen.findByText('Done.');
    expect(requestOptions(engine)).toEqual({ style: 'key-points', length: 'medium', backend: 'team' });
    fireEvent.change(select, { target: { value: 'local' } });
    expect(screen.queryByTestId('text-leaves')).toBeNull();
    fireEvent.click(summarizeButton());
    await screen.findByText('Local.');
    expect(requestOptions(engine, 1)).toEqual({ style: 'key-points', length: 'medium' });
  });

  it('inserts nothing when the upstream fails mid-stream, and shows its message', async () => {
    const failed: SummaryEvent[] = [
      ...runEvents(['Rent ']).slice(0, 3),
      { type: 'error', code: 'upstream_stream_ended', message: 'The connection to llm.example.com broke.' },
    ];
    const engine = fakeEngine(
      [{ kind: 'stream', chunks: ndjsonChunks(failed) }],
      withBackends([LOCAL, TEAM]),
    );
    localStorage.setItem(SETTINGS_KEY, JSON.stringify({ backend: 'team' }));
    const port = fakeWordPort();
    renderPane(engine, port);
    await screen.findByTestId('text-leaves');
    fireEvent.click(summarizeButton());
    expect(await screen.findByText(/The connection to llm\.example\.com broke\./)).toBeTruthy();
    expect(port.insertSummarySection).not.toHaveBeenCalled();
  });

  it.each(['missing', 'downloading'] as const)(
    'does not wait for a local model that is %s when an upstream writes the summary',
    async (state) => {
      const engine = fakeEngine([], withBackends([LOCAL, TEAM], { state, device: null }));
      localStorage.setItem(SETTINGS_KEY, JSON.stringify({ backend: 'team' }));
      renderPane(engine);
      await screen.findByTestId('text-leaves');
      expect(summarizeButton().getAttribute('aria-disabled')).not.toBe('true');
      fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'local' } });
      await waitFor(() =>
        expect(
          screen.getByText(
            state === 'missing'
              ? 'Install a model first.'
              : 'The model is downloading; Summarize works once it is installed.',
          ),
        ).toBeTruthy(),
      );
    },
  );

  it('falls back to the local model when the remembered backend is no longer configured', async () => {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify({ backend: 'gone' }));
    const engine = fakeEngine(
      [{ kind: 'stream', chunks: ndjsonChunks(runEvents(['x'])) }],
      withBackends([LOCAL, TEAM]),
    );
    renderPane(engine);
    expect(((await screen.findByLabelText('Model')) as HTMLSelectElement).value).toBe('local');
    expect(screen.queryByTestId('text-leaves')).toBeNull();
    fireEvent.click(summarizeButton());
    await waitFor(() => expect(engine.calls.some((c) => c.url === '/api/summarize')).toBe(true));
    expect(requestOptions(engine).backend).toBeUndefined();
  });
});
