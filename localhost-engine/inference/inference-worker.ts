/** The inference worker thread's entry: the engine's own, with no hooks (tests have theirs). */
import { parentPort } from 'node:worker_threads';
import { serveInferenceWorker } from './worker-service';

serveInferenceWorker(parentPort!);
