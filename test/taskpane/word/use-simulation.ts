/**
 * The Word simulation installed as the globals for one test at a time: `setUp(options)` installs one (restoring any
 * before it), `restore()` takes it away; the `afterEach` this registers restores what is left.
 */
import {
  createWordSimulation,
  type WordSimulation,
  type WordSimulationOptions,
} from '../../word-simulation/word-simulation';

export function useWordSimulation(): {
  setUp: (options: WordSimulationOptions) => WordSimulation;
  restore: () => void;
} {
  let undo: (() => void) | undefined;
  const restore = (): void => {
    undo?.();
    undo = undefined;
  };
  afterEach(restore);
  return {
    setUp: (options) => {
      restore();
      const sim = createWordSimulation(options);
      undo = sim.install();
      return sim;
    },
    restore,
  };
}
