/**
 * The server-sent-events reader on bytes split anywhere: inside a line, between CR and LF, inside a UTF-8
 * character; with comments, multi-line data, llama.cpp's `error:` lines and lines that are no field at all.
 */
import { sseEvents, type SseEvent } from '../../../localhost-engine/upstream/sse-events';

async function read(chunks: Array<string | Buffer>): Promise<SseEvent[]> {
  async function* body() {
    yield* chunks;
  }
  const out: SseEvent[] = [];
  for await (const e of sseEvents(body())) out.push(e);
  return out;
}

/** Every way of cutting `text` into two byte chunks. */
function splits(text: string): Buffer[][] {
  const bytes = Buffer.from(text, 'utf8');
  return Array.from({ length: bytes.length + 1 }, (_, i) => [bytes.subarray(0, i), bytes.subarray(i)]);
}

describe('sseEvents', () => {
  const stream =
    ': keep-alive\r\ndata: {"a":"é€😀"}\r\n\r\nevent: message\nid: 7\ndata: one\ndata: two\n\nerror: {"code":500}\n\ndata: [DONE]\n\n';
  const expected: SseEvent[] = [
    { kind: 'data', value: '{"a":"é€😀"}' },
    { kind: 'data', value: 'one\ntwo' },
    { kind: 'error', value: '{"code":500}' },
    { kind: 'data', value: '[DONE]' },
  ];

  it('reads data, multi-line data, comments, ignored fields and error lines', async () => {
    expect(await read([stream])).toEqual(expected);
  });

  it('gives the same events however the bytes are split', async () => {
    for (const chunks of splits(stream)) expect(await read(chunks)).toEqual(expected);
  });

  it('reads a last event without its blank line, and CR alone as a line end', async () => {
    expect(await read(['data: a\rdata: b'])).toEqual([{ kind: 'data', value: 'a\nb' }]);
  });

  it('reports a line that is no field of the format', async () => {
    expect(await read(['data: x\n\n<html>\n'])).toEqual([
      { kind: 'data', value: 'x' },
      { kind: 'unknown', line: '<html>' },
    ]);
  });

  it('refuses a line longer than the bound instead of buffering it', async () => {
    const huge = 'x'.repeat(1024 * 1024 + 10);
    await expect(read([`data: ${huge}`])).rejects.toThrow(/longer than/);
  });
});
