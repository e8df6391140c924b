/**
 * The pane's model calls against a stub `fetch`: the request shapes, events up to `done`, and errors with the
 * engine's code and message.
 */
import {
  cancelModelDownload,
  downloadModel,
  EngineError,
  listModels,
  type FetchLike,
} from '../../../taskpane/engine-client';

function stub(status: number, body: string, type = 'application/x-ndjson') {
  const calls: Array<{ url: string; init?: RequestInit }> = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    return new Response(body, { status, headers: { 'content-type': type } });
  };
  return { fetch, calls };
}

const lines = (...events: object[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');
const start = { type: 'start', model: 'm', files: 2, totalBytes: 10, receivedBytes: 0, dir: '/x/m' };
const progress = {
  type: 'progress',
  stage: 'download',
  file: 'a',
  receivedBytes: 5,
  totalBytes: 10,
  bytesPerSecond: 5,
  etaSeconds: 1,
};

async function drain(fetch: FetchLike) {
  const out = [];
  for await (const e of downloadModel('phi-3.5-mini', { fetch })) out.push(e);
  return out;
}

describe('model calls', () => {
  it('POSTs {} as JSON and yields start, progress and done', async () => {
    const done = { type: 'done', model: 'm', dir: '/x/m', totalBytes: 10, downloadedBytes: 10 };
    const { fetch, calls } = stub(200, lines(start, progress, done));
    expect((await drain(fetch)).map((e) => e.type)).toEqual(['start', 'progress', 'done']);
    expect(calls[0].url).toBe('/api/models/phi-3.5-mini/download');
    expect(calls[0].init).toMatchObject({ method: 'POST', body: '{}' });
    expect((calls[0].init?.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('throws an error event with its code and message', async () => {
    const error = {
      type: 'error',
      code: 'disk_full',
      message: 'Not enough free space: it needs 2.7 GB more.',
    };
    const { fetch } = stub(200, lines(start, error));
    await expect(drain(fetch)).rejects.toMatchObject({ code: 'disk_full', message: error.message });
  });

  it('says the download may still run when the stream ends early', async () => {
    const { fetch } = stub(200, lines(start, progress));
    await expect(drain(fetch)).rejects.toMatchObject({ code: 'incomplete_stream' });
  });

  it('throws a refusal with the server code', async () => {
    const body = JSON.stringify({
      statusCode: 409,
      code: 'already_installed',
      error: 'Conflict',
      message: 'm is installed',
    });
    const { fetch } = stub(409, body, 'application/json');
    const err = await drain(fetch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ status: 409, code: 'already_installed' });
  });

  it('lists models and cancels a download', async () => {
    const list = { models: [], found: [], download: null };
    const listed = stub(200, JSON.stringify(list), 'application/json');
    expect(await listModels({ fetch: listed.fetch })).toEqual(list);
    const cancelled = stub(200, JSON.stringify({ model: 'm', cancelled: true }), 'application/json');
    await cancelModelDownload('m', { fetch: cancelled.fetch });
    expect(cancelled.calls[0]).toMatchObject({ url: '/api/models/m/download', init: { method: 'DELETE' } });
  });
});
