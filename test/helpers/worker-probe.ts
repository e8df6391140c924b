/**
 * The main thread's side of `hooked-worker.ts`: the worker client option that starts it, the forward passes it has
 * run, and a switch that ends it after its next pass.
 */
import path from 'node:path';
import type { Device } from '../../localhost-engine/api/schemas';
import {
  InferenceWorkerClient,
  type WorkerClientOptions,
} from '../../localhost-engine/inference/inference-worker-client';
import { PROBE, type HookedWorkerData } from './hooked-worker';

export class WorkerProbe {
  private readonly shared = new SharedArrayBuffer(PROBE.length * 4);
  private readonly view = new Int32Array(this.shared);

  constructor(private readonly options: { failFirstRun?: { device: Device; message: string } } = {}) {}

  /** The worker client's `worker` option. */
  get worker(): { script: string; data: HookedWorkerData } {
    return {
      script: path.join(__dirname, 'hooked-worker.ts'),
      data: { probe: this.shared, failFirstRun: this.options.failFirstRun },
    };
  }

  /** Forward passes run so far, across generations and workers. */
  get steps(): number {
    return Atomics.load(this.view, PROBE.steps);
  }

  /**
   * Ends the worker thread after its next forward pass. Not `terminate()`: tearing a worker down while
   * onnxruntime-node's native `run` is in flight aborts the whole process.
   */
  endAfterNextStep(): void {
    Atomics.store(this.view, PROBE.endAfterStep, 1);
  }
}

/** A worker client over the hooked worker, with its probe's step count at hand. */
export class ProbedWorkerClient extends InferenceWorkerClient {
  readonly probe: WorkerProbe;

  constructor(options: Omit<WorkerClientOptions, 'worker'>, probe = new WorkerProbe()) {
    super({ ...options, worker: probe.worker });
    this.probe = probe;
  }

  /** Forward passes run so far. */
  get steps(): number {
    return this.probe.steps;
  }
}
