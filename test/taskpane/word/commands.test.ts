/**
 * The context menu's function command against the simulation: it hands the request over and, with a shared
 * runtime, shows the pane; it completes its event either way.
 */
import { hasSharedRuntime, registerCommands } from '../../../taskpane/word/commands';
import { createWordSimulation } from '../../word-simulation/word-simulation';

let restore: (() => void) | undefined;
afterEach(() => restore?.());

describe('registerCommands', () => {
  it.each([true, false])(
    'with sharedRuntime=%s runs the handler, shows the pane only if shared, completes',
    async (shared) => {
      const sim = createWordSimulation({ paragraphs: ['A'], sharedRuntime: shared });
      restore = sim.install();
      const calls: boolean[] = [];
      expect(registerCommands({ summarizeSelection: (s) => calls.push(s) })).toBe(true);
      expect(hasSharedRuntime()).toBe(shared);
      await sim.runCommand('summarizeSelection');
      expect(calls).toEqual([shared]);
      expect(sim.state.taskpaneShown).toBe(shared ? 1 : 0);
    },
  );

  it('does nothing outside Office', () => {
    expect(registerCommands({ summarizeSelection: () => undefined })).toBe(false);
  });
});
