/**
 * A model server for `bench/upstream-bench.ts`, in its own process: `POST /v1/chat/completions` streams `--deltas`
 * deltas at `--rate` per second on a fixed schedule (vLLM's chunk shapes), each delta's text carrying the moment it
 * was written (`performance.timeOrigin + performance.now()`, milliseconds); `GET /v1/models` names the model with a
 * large context; `GET /clock` answers that clock, for the client to measure the offset between the processes.
 * Prints `{"port": N}` once listening, then a `{"closedAt": T, "finished": bool}` line each time a completion's
 * response closes (`finished` false: the client went away before the end).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { deltas: { type: 'string', default: '1000' }, rate: { type: 'string', default: '200' } },
});
const DELTAS = Number(values.deltas);
const INTERVAL_MS = 1000 / Number(values.rate);

const now = (): number => performance.timeOrigin + performance.now();
const head = { id: 'chatcmpl-pacer', object: 'chat.completion.chunk', created: 1767225600, model: 'pacer' };
const chunk = (delta: object, finish: string | null): string =>
  `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;

function stream(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(chunk({ role: 'assistant', content: '' }, null));
  const start = performance.now();
  let sent = 0;
  const tick = (): void => {
    if (res.destroyed) return;
    // Every delta whose time has come, so a late timer never slows the schedule down.
    while (sent < DELTAS && performance.now() - start >= sent * INTERVAL_MS) {
      res.write(chunk({ content: `t${now().toFixed(3)} ` }, null));
      sent += 1;
    }
    if (sent < DELTAS) {
      setTimeout(tick, Math.max(0, start + sent * INTERVAL_MS - performance.now()));
      return;
    }
    res.write(chunk({}, 'length'));
    res.end('data: [DONE]\n\n');
  };
  tick();
}

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/clock') {
      res.end(JSON.stringify({ now: now() }));
    } else if (req.url === '/v1/models') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ object: 'list', data: [{ id: 'pacer', object: 'model', max_model_len: 32768 }] }),
      );
    } else if (req.url === '/v1/chat/completions') {
      res.on('close', () =>
        process.stdout.write(`${JSON.stringify({ closedAt: now(), finished: res.writableFinished })}\n`),
      );
      stream(res);
    } else {
      res.writeHead(404).end();
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
