/** What the token loop needs of an onnxruntime session: tests hand it fakes with only these members. */
import type { InferenceSession } from 'onnxruntime-node';

export type DecoderSession = Pick<
  InferenceSession,
  'inputNames' | 'outputNames' | 'inputMetadata' | 'run' | 'release'
>;
