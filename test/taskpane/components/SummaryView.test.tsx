/** @jest-environment jsdom */
/** The summary view labels a part's text with that part, whatever part the engine has moved on to. */
import { render, screen } from '@testing-library/react';
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { SummaryView } from '../../../taskpane/components/SummaryView';

describe('SummaryView', () => {
  it("labels the part text with the text's own part", () => {
    render(
      <FluentProvider theme={webLightTheme}>
        <SummaryView status="streaming" text="" partText="The first part says…" partTextPart={1} />
      </FluentProvider>,
    );
    expect(screen.getByTestId('summary-text').textContent).toBe('Part 1: The first part says…');
  });
});
