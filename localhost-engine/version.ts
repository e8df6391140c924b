import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The package version, read once (the same from source and from dist/). */
export const VERSION: string = (() => {
  for (const up of ['..', '../..']) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(__dirname, up, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'localscribe' && pkg.version) return pkg.version;
    } catch {
      // try the next level up
    }
  }
  return '0.0.0';
})();
