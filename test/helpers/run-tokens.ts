/** The engine's token loop over a session a test opened itself, with the KV strategy its graph calls for. */
import type { InferenceSession } from 'onnxruntime-node';
import { readDecoderSignature } from '../../localhost-engine/inference/decoder-signature';
import { kvStrategyFor, type KvStrategy } from '../../localhost-engine/inference/kv/kv-strategy';
import {
  DEFAULT_DECODE,
  generateTokens,
  type DecodeSettings,
  type LoopResult,
} from '../../localhost-engine/inference/token-loop';

/**
 * Greedy tokens after `prompt` (8 new ones, no stop token, unless `over` says otherwise). A graph with delta outputs
 * is one of the engine's rewrites of a GroupQueryAttention model: its cache stays in place; `kv` overrides that.
 */
export function runTokens(
  session: InferenceSession,
  prompt: readonly number[],
  over: Partial<DecodeSettings> = {},
  kv?: (sig: ReturnType<typeof readDecoderSignature>) => KvStrategy,
): Promise<LoopResult> {
  const deltas = session.outputNames.some((n) => n.startsWith('present_delta.'));
  const sig = readDecoderSignature(session, { pastInBuffer: deltas });
  return generateTokens(
    session,
    sig,
    (kv ?? kvStrategyFor)(sig),
    prompt,
    { ...DEFAULT_DECODE, maxNewTokens: 8, eosTokenIds: [], ...over },
    { shouldStop: () => false, onToken: () => undefined },
  );
}
