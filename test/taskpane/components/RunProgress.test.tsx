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

  it('shows nothing when no run is going', () => {
    const { container } = render(
      <RunProgress status="idle" device={undefined} plan={undefined} progress={{ outputTokens: 0 }} />,
    );
    expect(container.textContent).toBe('');
  });
});
