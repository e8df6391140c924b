/** The local generator under an engine's summarizer, for tests that watch or steer the inference worker. */
import { DocumentSummarizer } from '../../localhost-engine/summarize/document-summarizer';
import { LocalGenerator } from '../../localhost-engine/summarize/local-generator';
import type { Summarizer } from '../../localhost-engine/summarize/summarizer';

export function localGenerator(summarizer: Summarizer): LocalGenerator {
  if (!(summarizer instanceof DocumentSummarizer) || !(summarizer.generator instanceof LocalGenerator)) {
    throw new Error('expected the summarizer over the local model');
  }
  return summarizer.generator;
}
