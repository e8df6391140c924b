/** @jest-environment jsdom */
import { webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { scheduleFrame } from '../../taskpane/frame-scheduler';
import { relativeLuminance, themeFor } from '../../taskpane/fluent-theme';
import { estimateProgress } from '../../taskpane/run-progress';

describe('scheduleFrame', () => {
  it('runs once per schedule, and not after cancel', async () => {
    const calls: string[] = [];
    scheduleFrame(() => calls.push('a'));
    const cancel = scheduleFrame(() => calls.push('b'));
    cancel();
    await new Promise((r) => setTimeout(r, 120));
    expect(calls).toEqual(['a']);
  });

  it('falls back to a timer without requestAnimationFrame', async () => {
    const raf = window.requestAnimationFrame;
    // @ts-expect-error: simulating a host without animation frames
    delete window.requestAnimationFrame;
    try {
      const done = new Promise<void>((resolve) => scheduleFrame(resolve));
      await expect(done).resolves.toBeUndefined();
    } finally {
      window.requestAnimationFrame = raf;
    }
  });
});

describe('themeFor', () => {
  it('follows Office background luminance, else the media query', () => {
    expect(themeFor('#1f1f1f', false)).toBe(webDarkTheme);
    expect(themeFor('#ffffff', true)).toBe(webLightTheme);
    expect(themeFor(undefined, true)).toBe(webDarkTheme);
    expect(themeFor('transparent', false)).toBe(webLightTheme);
    expect(relativeLuminance('#fff')).toBeCloseTo(1);
  });
});

describe('estimateProgress', () => {
  it('waits for half a second of deltas, then estimates from the observed parts', () => {
    const base = { parts: 1, partsDone: 0, tokensInDoneParts: 0, expectedTokensPerPart: 100 };
    expect(estimateProgress({ ...base, outputTokens: 5, streamingMs: 100 })).toEqual({});
    expect(estimateProgress({ ...base, outputTokens: 11, streamingMs: 1000 })).toEqual({
      tokensPerSecond: 10,
      secondsLeft: 9,
    });
    // Two map parts of 50 tokens done, a reduce pass left: 150 expected, 100 written.
    expect(
      estimateProgress({
        parts: 2,
        partsDone: 2,
        tokensInDoneParts: 100,
        expectedTokensPerPart: 400,
        outputTokens: 101,
        streamingMs: 10_000,
      }),
    ).toEqual({ tokensPerSecond: 10, secondsLeft: 5 });
  });
});
