/**
 * A thread that opens one shard of a CPU model (`shard-graph.ts`) and runs it when `sharded-session.ts` asks.
 * Each shard opens on its own thread so that onnxruntime prepares the shards' weights in parallel.
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { ShardState, type ShardReply, type ShardRequest, type WireTensor } from './sharded-session';

let shard: ShardState | null = null;

function post(message: ShardReply, transfer: ArrayBuffer[] = []): void {
  try {
    parentPort!.postMessage(message, transfer);
  } catch {
    // A buffer onnxruntime owns cannot be moved: send copies instead.
    parentPort!.postMessage(message);
  }
}

async function handle(msg: ShardRequest): Promise<void> {
  if (msg.type === 'open') {
    const session = await ort.InferenceSession.create(msg.model, msg.options);
    shard = new ShardState(session);
    post({
      type: 'opened',
      inputNames: [...session.inputNames],
      outputNames: [...session.outputNames],
      inputMetadata: session.inputMetadata.map((m) => ({ ...m })),
    });
    return;
  }
  if (msg.type === 'release') {
    await shard?.session.release();
    shard = null;
    post({ type: 'released' });
    return;
  }
  if (!shard) throw new Error('the model shard is not open');
  if (msg.type === 'reset') {
    shard.reset(msg.capacity);
    return;
  }
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(msg.feeds))
    feeds[name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
  const out = await shard.run(feeds);
  const outputs: Record<string, WireTensor> = {};
  const transfer: ArrayBuffer[] = [];
  for (const [name, t] of Object.entries(out)) {
    const data = t.data as WireTensor['data'];
    outputs[name] = { type: t.type, dims: [...t.dims], data };
    if (data.buffer instanceof ArrayBuffer && !transfer.includes(data.buffer)) transfer.push(data.buffer);
  }
  post({ type: 'ran', id: msg.id, outputs }, transfer);
}

parentPort!.on('message', (msg: ShardRequest) => {
  handle(msg).catch((err: Error) => {
    post({ type: 'failed', id: msg.type === 'run' ? msg.id : -1, message: err.message });
  });
});
