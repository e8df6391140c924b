/**
 * Where benchmarks keep the engine's optimized model copies: in the repository's git-ignored cache, shared by
 * every benchmark (the copy of the phi3-mini-sized model is built once, 5.5 GB), never in the user's data folder.
 */
import path from 'node:path';

export const BENCH_OPTIMIZED_DIR = path.join(__dirname, '..', '.cache', 'bench-home', 'optimized-models');
