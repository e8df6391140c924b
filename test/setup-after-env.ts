/**
 * Pane tests (jsdom) wait for Fluent UI to render with findBy/waitFor, which give up after one second by default:
 * on a loaded two-core machine a render can take longer. They return as soon as what they wait for appears, so a
 * longer bound costs nothing when the machine is idle.
 */
if (typeof document !== 'undefined') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { configure } = require('@testing-library/dom') as typeof import('@testing-library/dom');
  configure({ asyncUtilTimeout: 10_000 });
}
