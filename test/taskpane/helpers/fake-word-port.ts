/** A WordPort made of jest mocks, with a small document and WordApi 1.4 unless told otherwise. */
import type { Paragraph } from '../../../localhost-engine/api/schemas';
import type { WordPort } from '../../../taskpane/word-port';

export const DOCUMENT: Paragraph[] = [
  { text: 'Introduction', style: 'Heading1', outlineLevel: 1, isListItem: false, inTable: false },
  {
    text: 'The contract starts on 1 May.',
    style: 'Normal',
    outlineLevel: null,
    isListItem: false,
    inTable: false,
  },
  {
    text: 'Payment is due in 30 days.',
    style: 'Normal',
    outlineLevel: null,
    isListItem: false,
    inTable: false,
  },
];

export type FakeWordPort = { [K in keyof WordPort]: jest.Mock };

/** An error as the Word layer throws them. */
export function wordError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { name: 'WordError', code });
}

export function fakeWordPort(options: { comments?: boolean; paragraphs?: Paragraph[] } = {}): FakeWordPort {
  return {
    readDocument: jest.fn(async () => ({ paragraphs: options.paragraphs ?? DOCUMENT })),
    readSelection: jest.fn(async () => ({ paragraphs: (options.paragraphs ?? DOCUMENT).slice(1, 2) })),
    insertSummarySection: jest.fn(async () => undefined),
    insertSectionComments: jest.fn(async () => undefined),
    insertSelectionComment: jest.fn(async () => undefined),
    removeSummary: jest.fn(async () => ({ removed: 1 })),
    selectParagraph: jest.fn(async () => undefined),
    supportsComments: jest.fn(() => options.comments ?? true),
  };
}
