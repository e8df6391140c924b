/** The local generator under an engine's summarizer, for tests that watch or steer the inference worker. */
import { localGeneratorOf } from '../../localhost-engine/summarize/backend-summarizer';
import type { LocalGenerator } from '../../localhost-engine/summarize/local-generator';
import type { Summarizer } from '../../localhost-engine/summarize/summarizer';

export function localGenerator(summarizer: Summarizer): LocalGenerator {
  const local = localGeneratorOf(summarizer);
  if (!local) throw new Error('expected the summarizer over the local model');
  return local;
}
