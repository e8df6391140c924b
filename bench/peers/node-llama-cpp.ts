/**
 * Loads node-llama-cpp from `.cache/bench-peers/` (installed by bench/peers/install-llama.sh, never a project
 * dependency) and describes the part of its API the GGUF check and the benchmarks use; the package is ESM, so it
 * is imported by URL.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where install-llama.sh puts the package. */
export const BENCH_PEERS_DIR = path.resolve(__dirname, '..', '..', '.cache', 'bench-peers');

export interface LlamaSequence {
  controlledEvaluate(
    input: (
      number | [number, { generateNext: { probabilities?: boolean; token?: boolean; options?: object } }]
    )[],
  ): Promise<(undefined | { next: { token?: number | null; probabilities?: Map<number, number> } })[]>;
  evaluate(tokens: number[], options?: { temperature?: number }): AsyncGenerator<number>;
}

export interface LlamaContext {
  getSequence(): LlamaSequence;
  dispose(): Promise<void>;
}

export interface LlamaModel {
  tokenize(text: string, specialTokens?: boolean): number[];
  detokenize(tokens: readonly number[], specialTokens?: boolean): string;
  readonly fileInfo: { metadata: Record<string, unknown> };
  createContext(options: {
    contextSize: number;
    threads?: number;
    flashAttention?: boolean;
  }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}

export interface Llama {
  loadModel(options: { modelPath: string }): Promise<LlamaModel>;
  dispose(): Promise<void>;
}

interface NodeLlamaCpp {
  getLlama(options: { gpu: false; build: 'never'; logLevel: string; maxThreads?: number }): Promise<Llama>;
}

/**
 * The CPU llama.cpp of node-llama-cpp 3.21.1 from `.cache/bench-peers/`, with its own warnings only.
 * @throws Error naming the install script when the package is not installed there.
 */
export async function loadLlamaCpp(threads: number): Promise<Llama> {
  const entry = path.join(BENCH_PEERS_DIR, 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
  if (!fs.existsSync(entry)) {
    throw new Error(
      `node-llama-cpp is not installed in ${BENCH_PEERS_DIR}: run bench/peers/install-llama.sh`,
    );
  }
  // A plain import() here would be rewritten to require() by the CommonJS build, which cannot load ESM.
  const importEsm = new Function('url', 'return import(url)') as (url: string) => Promise<NodeLlamaCpp>;
  const lib = await importEsm(pathToFileURL(entry).href);
  return lib.getLlama({ gpu: false, build: 'never', logLevel: 'warn', maxThreads: threads });
}
