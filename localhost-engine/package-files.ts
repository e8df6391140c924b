/**
 * Where the files LocalScribe ships are, from the TypeScript source (a clone) and from the compiled dist/ (a clone
 * after `npm run build`, or an installed package): the add-in manifest, the `localscribe` script, the pane.
 */
import path from 'node:path';

/** The package's root folder: the one holding package.json, manifest.xml, bin/ and dist/. */
export const PACKAGE_ROOT = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..',
);

/** The add-in manifest as shipped (its URLs name https://localhost:3000). */
export const SHIPPED_MANIFEST = path.join(PACKAGE_ROOT, 'manifest.xml');

/** The `localscribe` command's script, which the login service runs with this Node.js. */
export const BIN_SCRIPT = path.join(PACKAGE_ROOT, 'bin', 'localscribe.js');
