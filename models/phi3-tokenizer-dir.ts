import * as path from 'node:path';

/**
 * Where the real Phi-3 tokenizer files live (read-only input of the generator): beside this file, which must stay
 * directly in models/ so that the bundled benchmark (bench/device/build.sh copies models/tokenizer next to its
 * scripts) finds them the same way.
 */
export const PHI3_TOKENIZER_DIR = path.join(__dirname, 'tokenizer', 'phi3');
