/**
 * The inference worker with test and benchmark hooks, started through `WorkerProbe` in place of the engine's own
 * entry: it counts forward passes and can end after one (shared memory, read and set by the probe), can pretend
 * its first session runs on a GPU whose first run fails, and generates from exact token ids, past any stop token,
 * for a request that carries them (benchmarks give both sides the same tokens).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Device } from '../../localhost-engine/api/schemas';
import type { DecoderSession } from '../../localhost-engine/inference/decoder-session';
import type { GenerateRequest } from '../../localhost-engine/inference/worker-protocol';
import { serveInferenceWorker } from '../../localhost-engine/inference/worker-service';

/** Slots of the probe's shared Int32Array. */
export const PROBE = { steps: 0, endAfterStep: 1, length: 2 } as const;

export interface HookedWorkerData {
  probe: SharedArrayBuffer;
  /** The first session opened claims `device`, and its first run rejects with `message`. */
  failFirstRun?: { device: Device; message: string };
}

/** Fields a benchmark adds to a generate request: these prompt ids instead of the chat template's. */
export interface PromptIdsRequest {
  promptIds: number[];
}

function failingOnce(session: DecoderSession, message: string): DecoderSession {
  let failed = false;
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata,
    release: () => session.release(),
    run: ((...args: Parameters<DecoderSession['run']>) => {
      if (failed) return session.run(...args);
      failed = true;
      return Promise.reject(new Error(message));
    }) as DecoderSession['run'],
  };
}

if (parentPort) {
  const data = workerData as HookedWorkerData;
  const probe = new Int32Array(data.probe);
  let fault = data.failFirstRun;
  serveInferenceWorker(parentPort, {
    onStep: () => {
      Atomics.add(probe, PROBE.steps, 1);
      // Ends the thread between two steps, as a worker that crashes does.
      if (Atomics.compareExchange(probe, PROBE.endAfterStep, 1, 0) === 1) process.exit(70);
    },
    wrapSession: (opened) => {
      if (!fault) return opened;
      const { device, message } = fault;
      fault = undefined;
      return { session: failingOnce(opened.session, message), device };
    },
    prompt: (req: GenerateRequest & Partial<PromptIdsRequest>) =>
      req.promptIds ? { ids: req.promptIds, eosTokenIds: [] } : null,
  });
}
