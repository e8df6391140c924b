/**
 * Finding a cited paragraph again: by its index while its text is unchanged, else by its text nearest to where it
 * was, else (a partly selected paragraph) by a paragraph containing the text sent.
 */
import type { Paragraph } from '../../../localhost-engine/api/schemas';
import { findSource } from '../../../taskpane/word/source-paragraphs';

const doc = (...texts: string[]): Paragraph[] => texts.map((text) => ({ text, style: 'Normal' }));

describe('findSource', () => {
  const paragraphs = doc('Rent', 'Rent is due monthly.', 'Deposit', 'Rent is due monthly.', 'End');

  it('takes the paragraph at the index while its text is the same (spaces aside)', () => {
    expect(findSource(paragraphs, { index: 3, text: ' Rent is  due monthly. ' })).toBe(3);
  });

  it('finds moved text nearest to the index, or first without one', () => {
    expect(findSource(paragraphs, { index: 4, text: 'Rent is due monthly.' })).toBe(3);
    expect(findSource(paragraphs, { index: 0, text: 'Rent is due monthly.' })).toBe(1);
    expect(findSource(paragraphs, { index: null, text: 'Rent is due monthly.' })).toBe(1);
  });

  it('finds the paragraph holding a selected part of it, but not for short fragments', () => {
    expect(findSource(paragraphs, { index: null, text: 'is due monthly.' })).toBe(1);
    expect(findSource(paragraphs, { index: null, text: 'due' })).toBe(-1);
  });

  it('says -1 for text no paragraph has, or no text', () => {
    expect(findSource(paragraphs, { index: 1, text: 'Pets are welcome.' })).toBe(-1);
    expect(findSource(paragraphs, { index: 1, text: '  ' })).toBe(-1);
  });
});
