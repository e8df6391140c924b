/**
 * Generates (or finds cached) the tiny test models once, before Jest's workers start, so parallel test files never
 * race to write the same folder.
 */
import { ensureGeneratedModel } from '../models/ensure-generated-model';

export default async (): Promise<void> => {
  await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
  await ensureGeneratedModel({ size: 'tiny', layout: 'genai' });
};
