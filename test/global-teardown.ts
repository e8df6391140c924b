/** Removes the run's own user data folder (see global-setup.ts). */
import { rmSync } from 'node:fs';

export default (): void => {
  const home = process.env.LOCALSCRIBE_HOME;
  if (home && home.includes('localscribe-test-home-')) rmSync(home, { recursive: true, force: true });
};
