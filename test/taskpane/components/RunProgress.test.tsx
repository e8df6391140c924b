/** @jest-environment jsdom */
import { render, screen } from '@testing-library/react';
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { RunProgress } from '../../../taskpane/components/RunProgress';

describe('RunProgress', () => {
  it('shows the plan of a long document: parts, size, reused parts and the expected time', () => {
    render(
      <FluentProvider theme={webLightTheme}>
        <RunProgress
          status="streaming"
          device="cpu"
          plan={{ parts: 12, paragraphs: 1480, inputTokens: 45210, cachedParts: 11, estimatedSeconds: 95 }}
          progress={{ stage: 'map', part: 3, of: 12, outputTokens: 0 }}
        />
      </FluentProvider>,
    );
    expect(screen.getByTestId('plan-line').textContent).toBe('1480 paragraphs, 45,210 tokens');
    const line = screen.getByTestId('progress-line').textContent ?? '';
    expect(line).toContain('Part 3 of 12');
    expect(line).toContain('11 reused');
    expect(line).toContain('about 1 min 35 s expected');
  });

  it('names the combining steps as such, never as a part, and keeps the bar moving forward', () => {
    const plan = { parts: 5, paragraphs: 600, inputTokens: 20000 };
    const at = (progress: { stage: 'map' | 'reduce'; part: number; of: number }) => {
      const { unmount } = render(
        <FluentProvider theme={webLightTheme}>
          <RunProgress
            status="streaming"
            device="cpu"
            plan={plan}
            progress={{ ...progress, outputTokens: 9 }}
          />
        </FluentProvider>,
      );
      const line = screen.getByTestId('progress-line').textContent ?? '';
      const value = Number(screen.getByRole('progressbar').getAttribute('aria-valuenow'));
      unmount();
      return { line, value };
    };
    const lastPart = at({ stage: 'map', part: 5, of: 5 });
    const group = at({ stage: 'reduce', part: 2, of: 3 });
    const final = at({ stage: 'reduce', part: 1, of: 1 });
    expect(lastPart.line).toMatch(/^Part 5 of 5/);
    expect(group.line).toMatch(/^Combining the 5 parts \(step 2 of 3\)/);
    expect(final.line).toMatch(/^Combining the 5 parts · /);
    expect(final.line).not.toMatch(/Part 1/);
    expect(group.value).toBeGreaterThan(lastPart.value);
    expect(final.value).toBeGreaterThan(lastPart.value);
  });

  it('shows nothing when no run is going', () => {
    const { container } = render(
      <RunProgress status="idle" device={undefined} plan={undefined} progress={{ outputTokens: 0 }} />,
    );
    expect(container.textContent).toBe('');
  });
});
