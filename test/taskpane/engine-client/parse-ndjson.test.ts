import { EngineError, parseNdjson } from '../../../taskpane/engine-client';
import type { SummaryEvent } from '../../../localhost-engine/api/schemas';
import { byteStream } from '../helpers/fake-engine';

const encoder = new TextEncoder();

async function collect(stream: ReadableStream<Uint8Array>): Promise<SummaryEvent[]> {
  const events: SummaryEvent[] = [];
  for await (const event of parseNdjson(stream)) events.push(event);
  return events;
}

const sample: SummaryEvent[] = [
  {
    type: 'start',
    requestId: 'r',
    model: 'm',
    device: 'cpu',
    plan: { parts: 2, paragraphs: 4, inputTokens: 90 },
  },
  { type: 'delta', text: 'Grüße, ', part: 1 },
  { type: 'delta', text: '日本語 — ✓ 🎉' },
  { type: 'section', part: 1, title: 'Intro', summary: 'Café', paragraphs: [0, 1] },
  {
    type: 'done',
    summary: 'Grüße, 日本語 — ✓ 🎉',
    usage: {
      inputTokens: 90,
      outputTokens: 2,
      loadMs: 1,
      ttftMs: 2,
      prefillTokensPerSecond: 3,
      decodeTokensPerSecond: 4,
      totalMs: 5,
    },
  },
];
const sampleBytes = encoder.encode(sample.map((e) => JSON.stringify(e)).join('\n') + '\n');

describe('parseNdjson', () => {
  it('yields the same events wherever the stream is split into two chunks (every byte position)', async () => {
    for (let cut = 0; cut <= sampleBytes.length; cut++) {
      const events = await collect(byteStream([sampleBytes.slice(0, cut), sampleBytes.slice(cut)]));
      expect(events).toEqual(sample);
    }
  });

  it('handles one byte per chunk (every multibyte character split)', async () => {
    const chunks = Array.from(sampleBytes, (b) => Uint8Array.of(b));
    expect(await collect(byteStream(chunks))).toEqual(sample);
  });

  it('decodes a 4-byte character split across three chunks', async () => {
    const line = encoder.encode(JSON.stringify({ type: 'error', code: 'x', message: '🎉' }));
    const at = line.indexOf(0xf0);
    const events = await collect(
      byteStream([line.slice(0, at + 1), line.slice(at + 1, at + 3), line.slice(at + 3)]),
    );
    expect(events).toEqual([{ type: 'error', code: 'x', message: '🎉' }]);
  });

  it('skips blank lines and CRLF endings, and parses a final line without a newline', async () => {
    const text = `\n\r\n${JSON.stringify(sample[1])}\r\n\n  \n${JSON.stringify(sample[4])}`;
    expect(await collect(byteStream([encoder.encode(text)]))).toEqual([sample[1], sample[4]]);
  });

  it('throws incomplete_stream when the stream ends without done or error', async () => {
    const text =
      sample
        .slice(0, 3)
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n';
    const seen: SummaryEvent[] = [];
    await expect(
      (async () => {
        for await (const e of parseNdjson(byteStream([encoder.encode(text)]))) seen.push(e);
      })(),
    ).rejects.toMatchObject({ name: 'EngineError', code: 'incomplete_stream' });
    expect(seen).toHaveLength(3);
  });

  it('throws incomplete_stream for an empty stream', async () => {
    await expect(collect(byteStream([]))).rejects.toBeInstanceOf(EngineError);
  });

  it('throws invalid_ndjson for a line that is not JSON, after the valid ones before it', async () => {
    const text = `${JSON.stringify(sample[1])}\n{"type":"delta","text":\n${JSON.stringify(sample[4])}\n`;
    const seen: SummaryEvent[] = [];
    await expect(
      (async () => {
        for await (const e of parseNdjson(byteStream([encoder.encode(text)]))) seen.push(e);
      })(),
    ).rejects.toMatchObject({ code: 'invalid_ndjson' });
    expect(seen).toEqual([sample[1]]);
  });

  it('throws invalid_ndjson for JSON that is not an event', async () => {
    await expect(collect(byteStream([encoder.encode('[1,2]\n')]))).rejects.toMatchObject({
      code: 'invalid_ndjson',
    });
    await expect(collect(byteStream([encoder.encode('{"text":"x"}\n')]))).rejects.toMatchObject({
      code: 'invalid_ndjson',
    });
  });

  it('stops after an error event and cancels the rest of the stream', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(
          encoder.encode(
            '{"type":"error","code":"device_lost","message":"GPU lost"}\n{"type":"delta","text":"x"}\n',
          ),
        );
      },
      cancel() {
        cancelled = true;
      },
    });
    expect(await collect(stream)).toEqual([{ type: 'error', code: 'device_lost', message: 'GPU lost' }]);
    expect(cancelled).toBe(true);
  });

  it('cancels the stream when the consumer stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(encoder.encode(`${JSON.stringify(sample[1])}\n`));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const e of parseNdjson(stream)) {
      expect(e).toEqual(sample[1]);
      break;
    }
    expect(cancelled).toBe(true);
  });
});
