/** @jest-environment jsdom */
/**
 * The pane with a summary that cites: chips after each point select their paragraph in Word (by its place in the
 * document, or by its text for a selection), an unsupported point carries a warning, the coverage line summarizes
 * just the headings never cited (on the backend chosen for the summary), and insertion passes the citations on.
 */
import '../helpers/web-platform';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from '../../../taskpane/components/App';
import { SETTINGS_KEY, type Settings } from '../../../taskpane/settings';
import type { HealthResponse, Paragraph, SummaryEvent } from '../../../localhost-engine/api/schemas';
import { fakeEngine, health, ndjsonChunks, runEvents, type FakeEngine } from '../helpers/fake-engine';
import { fakeWordPort, type FakeWordPort } from '../helpers/fake-word-port';

const FAST = { connected: 50, busy: 20, down: 20, downMax: 40, timeout: 500 };

const para = (text: string, style: Paragraph['style'] = 'Normal'): Paragraph => ({
  text,
  style,
  outlineLevel: style === 'Heading1' ? 1 : null,
  isListItem: false,
  inTable: false,
});
const LEASE = [
  para('Rent', 'Heading1'),
  para('The tenant pays rent monthly.'),
  para('Deposit', 'Heading1'),
  para('The deposit is two months of rent.'),
  para('Termination', 'Heading1'),
  para('Either party may end the lease on notice.'),
];

/** A finished key-points summary citing ¶2 and ¶4; its second point unsupported; "Termination" not covered. */
function citedRun(): SummaryEvent[] {
  const events = runEvents(['- Rent is monthly.\n', '- Pets are welcome.']);
  const done = events[events.length - 1] as Extract<SummaryEvent, { type: 'done' }>;
  done.points = [
    { text: 'Rent is monthly.', sources: [1], support: 0.8, supported: true },
    { text: 'Pets are welcome.', sources: [3], support: 0.1, supported: false },
  ];
  done.coverage = {
    by: 'headings',
    headings: [
      { paragraph: 0, last: 1, title: 'Rent', covered: true },
      { paragraph: 2, last: 3, title: 'Deposit', covered: true },
      { paragraph: 4, last: 5, title: 'Termination', covered: false },
    ],
  };
  return events;
}

/** A summary of just the Termination section (sent as paragraphs 0–1): its point cites the sent paragraph 1. */
function terminationRun(): SummaryEvent[] {
  const events = runEvents(['- Either party may end it.']);
  const done = events[events.length - 1] as Extract<SummaryEvent, { type: 'done' }>;
  done.points = [{ text: 'Either party may end it.', sources: [1], support: 0.9, supported: true }];
  done.coverage = {
    by: 'tenths',
    headings: [
      { paragraph: 0, last: 0, title: '¶1: Termination', covered: false },
      { paragraph: 1, last: 1, title: '¶2: Either party may…', covered: true },
    ],
  };
  return events;
}

function setUp(
  settings: Partial<Settings> = {},
  engineHealth: HealthResponse = health(),
  second: SummaryEvent[] = runEvents(['Either party may end it.']),
): { engine: FakeEngine; port: FakeWordPort } {
  localStorage.setItem(
    SETTINGS_KEY,
    JSON.stringify({ scope: 'document', style: 'key-points', length: 'medium', output: 'none', ...settings }),
  );
  const engine = fakeEngine(
    [
      { kind: 'stream', chunks: ndjsonChunks(citedRun()) },
      { kind: 'stream', chunks: ndjsonChunks(second) },
    ],
    engineHealth,
  );
  const port = fakeWordPort({ paragraphs: LEASE });
  render(<App port={port} fetch={engine.fetch} healthIntervals={FAST} />);
  return { engine, port };
}

async function summarize(): Promise<void> {
  await screen.findByText('Engine connected');
  fireEvent.click(screen.getByRole('button', { name: 'Summarize' }));
  await screen.findByTestId('cited-summary');
}

beforeEach(() => localStorage.clear());
beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
});

describe('App with citations', () => {
  it('shows a chip per source after each point; a click selects that paragraph in Word', async () => {
    const { port } = setUp();
    await summarize();
    const view = screen.getByTestId('cited-summary');
    expect(view.textContent).toMatch(/^- Rent is monthly\.Rent ¶2\n- Pets are welcome\.Deposit ¶4$/);
    const chips = within(view).getAllByTestId('source-chip');
    expect(chips.map((c) => c.textContent)).toEqual(['Rent ¶2', 'Deposit ¶4']);
    // Keyboard: the chip is a button, focusable and described by where it goes.
    chips[1].focus();
    expect(document.activeElement).toBe(chips[1]);
    fireEvent.click(chips[1]);
    await waitFor(() =>
      expect(port.selectParagraph).toHaveBeenCalledWith({
        index: 3,
        text: 'The deposit is two months of rent.',
      }),
    );
  });

  it('marks the unsupported point with a focusable warning that says why', async () => {
    setUp();
    await summarize();
    const warnings = screen.getAllByTestId('unsupported');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].getAttribute('tabindex')).toBe('0');
    // Fluent's Tooltip with relationship "label" names the icon by its text, for screen readers and on hover.
    expect(warnings[0].getAttribute('aria-label')).toMatch(
      /No paragraph of the document supports this point/,
    );
  });

  it('reports a paragraph that is gone, and keeps the summary', async () => {
    const { port } = setUp();
    port.selectParagraph.mockRejectedValueOnce(
      Object.assign(new Error('That paragraph is no longer in the document.'), {
        name: 'WordError',
        code: 'document_changed',
      }),
    );
    await summarize();
    fireEvent.click(screen.getAllByTestId('source-chip')[0]);
    expect(await screen.findByText('The document changed')).toBeTruthy();
    expect(screen.getByTestId('cited-summary')).toBeTruthy();
  });

  it('lists the headings never cited and summarizes just those on request', async () => {
    const { engine } = setUp();
    await summarize();
    const line = screen.getByTestId('coverage-line');
    expect(line.textContent).toMatch(/Not covered \(1 of 3\): Termination\./);
    fireEvent.click(within(line).getByRole('button', { name: 'Summarize these' }));
    await screen.findByText(/Summarized only Termination\. Select Insert/);
    const calls = engine.calls.filter((c) => c.url === '/api/summarize');
    expect(calls).toHaveLength(2);
    const sent = JSON.parse(String(calls[1].init?.body)) as { document: { paragraphs: Paragraph[] } };
    expect(sent.document.paragraphs.map((p) => p.text)).toEqual([
      'Termination',
      'Either party may end the lease on notice.',
    ]);
  });

  it('numbers a run over the headings never cited as the document: chips, coverage and insertion', async () => {
    const { port } = setUp({ output: 'section-top' }, health(), terminationRun());
    await summarize();
    await waitFor(() => expect(port.insertSummarySection).toHaveBeenCalledTimes(1));
    fireEvent.click(
      within(screen.getByTestId('coverage-line')).getByRole('button', { name: 'Summarize these' }),
    );
    await screen.findByText(/Summarized only Termination\./);
    // Termination's text is the document's 6th paragraph, though it was the 2nd one sent.
    const chips = within(screen.getByTestId('cited-summary')).getAllByTestId('source-chip');
    expect(chips.map((c) => c.textContent)).toEqual(['Termination ¶6']);
    expect(screen.getByTestId('coverage-line').textContent).toMatch(
      /Not covered \(1 of 2\): ¶5: Termination\./,
    );
    fireEvent.click(chips[0]);
    await waitFor(() =>
      expect(port.selectParagraph).toHaveBeenCalledWith({
        index: 5,
        text: 'Either party may end the lease on notice.',
      }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Insert' }));
    await waitFor(() => expect(port.insertSummarySection).toHaveBeenCalledTimes(2));
    expect(port.insertSummarySection.mock.calls[1][0].citations).toEqual({
      points: [{ text: 'Either party may end it.', sources: [1] }],
      sources: { 1: { index: 5, text: 'Either party may end the lease on notice.' } },
      numbers: { 1: 6 },
    });
  });

  it('summarizes the headings never cited on the upstream that wrote the summary, beside the choice', async () => {
    const team = {
      id: 'team',
      kind: 'upstream',
      model: 'phi-4-mini',
      host: 'llm.example.com',
      remote: true,
    } as const;
    const local = { id: 'local', kind: 'local', model: 'phi-3-mini', host: null, remote: false } as const;
    // No local model: the upstream writes both runs, and nothing waits for a download.
    const { engine } = setUp(
      { backend: 'team' },
      { ...health({ state: 'missing', device: null }), backends: [local, team] },
    );
    await summarize();
    expect((screen.getByLabelText('Model') as HTMLSelectElement).value).toBe('team');
    expect(screen.getAllByTestId('source-chip')).toHaveLength(2);
    fireEvent.click(
      within(screen.getByTestId('coverage-line')).getByRole('button', { name: 'Summarize these' }),
    );
    await screen.findByText(/Summarized only Termination\./);
    const options = engine.calls
      .filter((c) => c.url === '/api/summarize')
      .map((c) => (JSON.parse(String(c.init?.body)) as { options: unknown }).options);
    expect(options).toEqual([
      { style: 'key-points', length: 'medium', backend: 'team' },
      { style: 'key-points', length: 'medium', backend: 'team' },
    ]);
  });

  it('passes the citations to the inserted section, with where each cited paragraph is', async () => {
    const { port } = setUp({ output: 'section-top' });
    await summarize();
    await waitFor(() => expect(port.insertSummarySection).toHaveBeenCalled());
    expect(port.insertSummarySection.mock.calls[0][0].citations).toEqual({
      points: [
        { text: 'Rent is monthly.', sources: [1] },
        { text: 'Pets are welcome.', sources: [3] },
      ],
      sources: {
        1: { index: 1, text: 'The tenant pays rent monthly.' },
        3: { index: 3, text: 'The deposit is two months of rent.' },
      },
      numbers: { 1: 2, 3: 4 },
    });
  });

  it('finds a paragraph cited from a selection by its text alone', async () => {
    const { port } = setUp({ scope: 'selection' });
    port.readSelection.mockResolvedValue({ paragraphs: LEASE });
    await summarize();
    fireEvent.click(screen.getAllByTestId('source-chip')[0]);
    await waitFor(() =>
      expect(port.selectParagraph).toHaveBeenCalledWith({
        index: null,
        text: 'The tenant pays rent monthly.',
      }),
    );
  });
});
