/**
 * Finding a cited paragraph again: by its index while its text is unchanged, else by its text nearest to where it
 * was, else (a partly selected paragraph) by a paragraph containing the text sent. Finding a selection's paragraphs
 * by their places in it: where the most of its texts line up.
 */
import type { Paragraph } from '../../../localhost-engine/api/schemas';
import { findInSelection, findSource } from '../../../taskpane/word/source-paragraphs';

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

describe('findInSelection', () => {
  // A table of contents repeats the headings before their sections.
  const body = doc('Rent', 'Deposit', 'Rent', 'Pay monthly.', 'Deposit', 'Two months.', 'Returned.', 'End');
  const selected = (...texts: string[]) => texts.map((text, place) => ({ place, text }));

  it('places the selection where most of its texts line up, not where one of them is first', () => {
    const selection = selected('Deposit', 'Two months.', 'Returned.');
    expect(findInSelection(body, selection, [0, 2])).toEqual([4, 6]);
  });

  it('works from the paragraphs a run sent, by their places, and takes the first of equal starts', () => {
    expect(findInSelection(body, [{ place: 0, text: 'Deposit' }], [0])).toEqual([1]);
    // Paragraph 2 of the selection (not sent) lies between the two; only the second "Deposit" has "Returned." there.
    const sent = [
      { place: 1, text: 'Deposit' },
      { place: 3, text: 'Returned.' },
    ];
    expect(findInSelection(body, sent, [1, 3])).toEqual([4, 6]);
  });

  it('takes a first paragraph the selection began inside, however short the part selected', () => {
    expect(findInSelection(body, selected('nthly.', 'Deposit', 'Two months.'), [0, 1])).toEqual([3, 4]);
  });

  it('finds a paragraph by its text nearest to its place after an edit inside the selection, else -1', () => {
    const edited = doc(
      'Rent',
      'Deposit',
      'Rent',
      'Pay monthly.',
      'Deposit',
      'New.',
      'Two months.',
      'Returned.',
    );
    const selection = selected('Deposit', 'Two months.', 'Returned.');
    expect(findInSelection(edited, selection, [0, 1])).toEqual([4, 6]);
    expect(findInSelection(edited, [{ place: 0, text: 'Gone.' }], [0])).toEqual([-1]);
  });
});
