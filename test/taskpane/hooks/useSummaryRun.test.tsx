/** @jest-environment jsdom */
import '../helpers/web-platform';
import { Profiler, useEffect, useState } from 'react';
import { act, render, renderHook, waitFor } from '@testing-library/react';
import { useSummaryRun, type SummaryRunControls } from '../../../taskpane/hooks/useSummaryRun';
import { summarize } from '../../../taskpane/engine-client';
import type { SummarizeBody, SummaryEvent } from '../../../localhost-engine/api/schemas';
import {
  fakeEngine,
  ndjsonChunk,
  ndjsonChunks,
  runEvents,
  type SummarizeReply,
} from '../helpers/fake-engine';
import { wordError } from '../helpers/fake-word-port';

const body: SummarizeBody = { text: 'Some text.', options: { length: 'short' } };
const prepare = async () => body;

beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
});

function deltas(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `w${i} `);
}

/** Renders a component showing the hook's text inside a Profiler; returns the commit count and the controls. */
function renderCounted(reply: SummarizeReply) {
  const engine = fakeEngine([reply]);
  const counter = { commits: 0 };
  const ref: { current?: SummaryRunControls } = {};
  function View() {
    const run = useSummaryRun({ fetch: engine.fetch });
    ref.current = run;
    return <p data-testid="text">{run.text}</p>;
  }
  const utils = render(
    <Profiler id="run" onRender={() => void (counter.commits += 1)}>
      <View />
    </Profiler>,
  );
  return { ...utils, counter, run: () => ref.current!, engine };
}

/** The naive alternative: one React update per delta. Proves the test stream would expose per-delta rendering. */
function renderNaive(reply: SummarizeReply) {
  const engine = fakeEngine([reply]);
  const counter = { commits: 0 };
  function View() {
    const [text, setText] = useState('');
    useEffect(() => {
      void (async () => {
        for await (const e of summarize(body, { fetch: engine.fetch }))
          if (e.type === 'delta') setText((t) => t + e.text);
      })();
    }, []);
    return <p data-testid="naive">{text}</p>;
  }
  const utils = render(
    <Profiler id="naive" onRender={() => void (counter.commits += 1)}>
      <View />
    </Profiler>,
  );
  return { ...utils, counter };
}

describe('useSummaryRun batching', () => {
  const N = 200;
  const expected = deltas(N).join('');

  it('renders far fewer times than deltas when each delta arrives in its own task', async () => {
    const naive = renderNaive({ kind: 'stream', chunks: ndjsonChunks(runEvents(deltas(N))), gapMs: 0 });
    await waitFor(() => expect(naive.getByTestId('naive').textContent).toBe(expected), { timeout: 10_000 });
    // Sanity check of the test itself: per-delta updates do render (nearly) once per delta here.
    expect(naive.counter.commits).toBeGreaterThan(N / 2);
    naive.unmount();

    const counted = renderCounted({ kind: 'stream', chunks: ndjsonChunks(runEvents(deltas(N))), gapMs: 0 });
    const before = counted.counter.commits;
    void counted.run().start({ prepare, length: 'short' });
    await waitFor(() => expect(counted.run().status).toBe('done'), { timeout: 10_000 });
    expect(counted.getByTestId('text').textContent).toBe(expected);
    const commits = counted.counter.commits - before;
    expect(commits).toBeLessThan(N / 4);
  });

  it('renders a handful of times for 500 deltas delivered at once', async () => {
    const counted = renderCounted({
      kind: 'stream',
      chunks: ndjsonChunk(runEvents(deltas(500)).slice(0, -1)),
      close: false,
    });
    const before = counted.counter.commits;
    void counted.run().start({ prepare });
    await waitFor(() => expect(counted.getByTestId('text').textContent).toBe(deltas(500).join('')));
    expect(counted.run().status).toBe('streaming');
    expect(counted.counter.commits - before).toBeLessThanOrEqual(6);
    act(() => counted.run().stop());
    await waitFor(() => expect(counted.run().status).toBe('cancelled'));
  });
});

describe('useSummaryRun state machine', () => {
  function hook(replies: SummarizeReply[], now?: () => number) {
    const engine = fakeEngine(replies);
    const utils = renderHook(() => useSummaryRun({ fetch: engine.fetch, now }));
    return { ...utils, engine };
  }

  it('goes idle → loading → streaming → done, collecting the plan, sections and usage', async () => {
    const sections: SummaryEvent[] = [
      { type: 'section', part: 1, title: 'A', summary: 'a', paragraphs: [0, 0] },
    ];
    const { result } = hook([
      { kind: 'stream', chunks: ndjsonChunks(runEvents(['One ', 'two.'], sections)), gapMs: 5 },
    ]);
    expect(result.current.status).toBe('idle');
    const seen = new Set<string>();
    let promise!: Promise<unknown>;
    act(() => {
      promise = result.current.start({ prepare });
    });
    seen.add(result.current.status);
    await waitFor(() => {
      seen.add(result.current.status);
      expect(result.current.status).toBe('done');
    });
    expect(seen.has('loading')).toBe(true);
    const final = await promise;
    expect(final).toMatchObject({ summary: 'One two.', sections, paragraphCount: 0 });
    expect(result.current.text).toBe('One two.');
    expect(result.current.plan).toEqual({ parts: 1, paragraphs: 3, inputTokens: 120 });
    expect(result.current.device).toBe('cpu');
    expect(result.current.progress).toMatchObject({ outputTokens: 2, tokensPerSecond: 12.5, secondsLeft: 0 });
  });

  it('shows map-pass deltas as part text and the final summary as text', async () => {
    const events: SummaryEvent[] = [
      {
        type: 'start',
        requestId: 'r',
        model: 'm',
        device: 'webgpu',
        plan: { parts: 2, paragraphs: 9, inputTokens: 5000 },
      },
      { type: 'progress', stage: 'map', part: 2, of: 2 },
      { type: 'delta', text: 'part two', part: 2 },
    ];
    const { result } = hook([{ kind: 'stream', chunks: ndjsonChunks(events), close: false }]);
    act(() => void result.current.start({ prepare }));
    await waitFor(() => expect(result.current.partText).toBe('part two'));
    expect(result.current.text).toBe('');
    expect(result.current.progress).toMatchObject({ stage: 'map', part: 2, of: 2 });
    act(() => result.current.stop());
    await waitFor(() => expect(result.current.status).toBe('cancelled'));
  });

  it('labels the part text with its own part while progress already names the next one', async () => {
    const events: SummaryEvent[] = [
      {
        type: 'start',
        requestId: 'r',
        model: 'm',
        device: 'cpu',
        plan: { parts: 2, paragraphs: 9, inputTokens: 5000 },
      },
      { type: 'progress', stage: 'map', part: 1, of: 2 },
      { type: 'delta', text: 'part one', part: 1 },
      { type: 'section', part: 1, title: 'A', summary: 'part one', paragraphs: [0, 4] },
      // The next part's prompt is being read: no text of it yet.
      { type: 'progress', stage: 'map', part: 2, of: 2 },
    ];
    const { result } = hook([{ kind: 'stream', chunks: ndjsonChunks(events), close: false }]);
    act(() => void result.current.start({ prepare }));
    await waitFor(() => expect(result.current.progress.part).toBe(2));
    await waitFor(() => expect(result.current.partText).toBe('part one'));
    expect(result.current.partTextPart).toBe(1);
    act(() => result.current.stop());
    await waitFor(() => expect(result.current.status).toBe('cancelled'));
  });

  it('keeps the points, the coverage, the paragraphs sent and where they are in the document', async () => {
    const events = runEvents(['Rent.']);
    const done = events[events.length - 1] as Extract<SummaryEvent, { type: 'done' }>;
    done.points = [{ text: 'Rent.', sources: [1], support: 1, supported: true }];
    done.coverage = { by: 'tenths', headings: [{ paragraph: 0, last: 1, title: '¶1–2', covered: true }] };
    const paragraphs = [
      { text: 'A', style: 'Normal' as const },
      { text: 'B', style: 'Normal' as const },
    ];
    const { result } = hook([{ kind: 'stream', chunks: ndjsonChunks(events) }]);
    let final: unknown;
    await act(async () => {
      final = await result.current.start({
        locations: [7, null],
        prepare: async () => ({ document: { paragraphs } }),
      });
    });
    expect(final).toMatchObject({
      points: done.points,
      coverage: done.coverage,
      paragraphs,
      locations: [7, null],
      // ¶ numbers: the place in the document where it is known, else the place among those sent.
      numbers: [8, 2],
    });
  });

  it('numbers the paragraphs as the request says, whatever was sent first', async () => {
    const paragraphs = [{ text: 'A', style: 'Normal' as const }];
    const { result } = hook([{ kind: 'stream', chunks: ndjsonChunks(runEvents(['A.'])) }]);
    let final: unknown;
    await act(async () => {
      final = await result.current.start({
        locations: [null],
        numbers: [12],
        prepare: async () => ({ document: { paragraphs } }),
      });
    });
    expect(final).toMatchObject({ numbers: [12] });
  });

  it('estimates tokens/s and time left from the deltas', async () => {
    // The first delta is stamped at 0 ms, the frame that renders them at 1000 ms.
    let calls = 0;
    const now = () => (calls++ === 0 ? 0 : 1000);
    const events = runEvents(deltas(11)).slice(0, -1);
    const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunk(events), close: false }]);
    const { result } = renderHook(() => useSummaryRun({ fetch: engine.fetch, now }));
    act(() => void result.current.start({ prepare, length: 'short' }));
    // 10 token intervals in 1 s → 10 tokens/s; short ≈ 90 tokens, 11 written → 79 left ≈ 8 s.
    await waitFor(() => expect(result.current.progress.outputTokens).toBe(11));
    expect(result.current.progress.tokensPerSecond).toBeCloseTo(10);
    expect(result.current.progress.secondsLeft).toBe(8);
    act(() => result.current.stop());
    await waitFor(() => expect(result.current.status).toBe('cancelled'));
  });

  it('stop aborts the request: cancelled, start resolves null', async () => {
    const { result, engine } = hook([
      { kind: 'stream', chunks: ndjsonChunks(runEvents(['a']).slice(0, 3)), close: false },
    ]);
    let promise!: Promise<unknown>;
    act(() => {
      promise = result.current.start({ prepare });
    });
    await waitFor(() => expect(result.current.status).toBe('streaming'));
    act(() => result.current.stop());
    await expect(promise).resolves.toBeNull();
    await waitFor(() => expect(result.current.status).toBe('cancelled'));
    expect(engine.summarizeSignals[0].aborted).toBe(true);
  });

  it('ends in error with the Word error when prepare fails, without calling the engine', async () => {
    const { result, engine } = hook([]);
    const error = wordError('empty_document', 'The document is empty.');
    await act(async () => {
      await result.current.start({ prepare: async () => Promise.reject(error) });
    });
    expect(result.current.status).toBe('error');
    expect(result.current.error).toBe(error);
    expect(engine.calls).toHaveLength(0);
  });

  it('ends in error for a stream without done', async () => {
    const { result } = hook([{ kind: 'stream', chunks: ndjsonChunks(runEvents(['a']).slice(0, 3)) }]);
    await act(async () => {
      await result.current.start({ prepare });
    });
    expect(result.current.status).toBe('error');
    expect(result.current.error).toMatchObject({ code: 'incomplete_stream' });
    expect(result.current.text).toBe('a');
  });

  it('a second start supersedes the first (which is aborted and leaves state alone); reset goes idle', async () => {
    const { result, engine } = hook([
      { kind: 'stream', chunks: ndjsonChunks(runEvents(['first']).slice(0, 3)), close: false },
      { kind: 'stream', chunks: ndjsonChunks(runEvents(['second'])) },
    ]);
    let first!: Promise<unknown>;
    act(() => {
      first = result.current.start({ prepare });
    });
    await waitFor(() => expect(result.current.text).toBe('first'));
    let second!: Promise<unknown>;
    act(() => {
      second = result.current.start({ prepare });
    });
    await expect(first).resolves.toBeNull();
    await expect(second).resolves.toMatchObject({ summary: 'second' });
    expect(engine.summarizeSignals[0].aborted).toBe(true);
    await waitFor(() => expect(result.current).toMatchObject({ status: 'done', text: 'second' }));
    act(() => result.current.reset());
    await waitFor(() => expect(result.current).toMatchObject({ status: 'idle', text: '' }));
  });

  it('unmounting mid-run aborts the request', async () => {
    const { result, engine, unmount } = hook([
      { kind: 'stream', chunks: ndjsonChunks(runEvents(['a']).slice(0, 3)), close: false },
    ]);
    act(() => void result.current.start({ prepare }));
    await waitFor(() => expect(engine.summarizeSignals).toHaveLength(1));
    unmount();
    expect(engine.summarizeSignals[0].aborted).toBe(true);
  });
});
