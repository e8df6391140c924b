import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Paragraph } from '../../../localhost-engine/api/schemas';
import { markdownToParagraphs } from '../../../localhost-engine/documents/markdown-to-paragraphs';
import { readDocumentFile } from '../../../localhost-engine/documents/read-document-file';

const normal = (text: string): Paragraph => ({
  text,
  style: 'Normal',
  outlineLevel: null,
  isListItem: false,
  inTable: false,
});
const heading = (text: string, level: number): Paragraph => ({
  text,
  style: `Heading${level}` as Paragraph['style'],
  outlineLevel: level,
  isListItem: false,
  inTable: false,
});
const item = (text: string): Paragraph => ({
  text,
  style: 'ListParagraph',
  outlineLevel: null,
  isListItem: true,
  inTable: false,
});
const row = (text: string): Paragraph => ({ ...normal(text), inTable: true });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'localscribe-text-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function read(name: string, content: string | Buffer): Promise<Paragraph[]> {
  const path = join(dir, name);
  await writeFile(path, content);
  return (await readDocumentFile(path)).paragraphs;
}

describe('readDocumentFile on .txt', () => {
  it('splits at blank lines and keeps line breaks inside a paragraph', async () => {
    const text = '  First line\nsecond line   \n\n\n \t \nNext paragraph\n\n';
    expect(await read('plain.txt', text)).toEqual([
      normal('First line\nsecond line'),
      normal('Next paragraph'),
    ]);
  });

  it('handles CRLF and lone CR line endings', async () => {
    expect(await read('crlf.txt', 'One\r\ntwo\r\n\r\nThree\r\rFour')).toEqual([
      normal('One\ntwo'),
      normal('Three'),
      normal('Four'),
    ]);
  });

  it('drops a UTF-8 BOM and control characters but keeps RTL, CJK and joined emoji', async () => {
    const text = '\uFEFFمرحبا 你好 👨‍👩‍👧 \u200Fעברית\u0000\u0007 end\tTab';
    expect(await read('bom.TXT', text)).toEqual([normal('مرحبا 你好 👨‍👩‍👧 \u200Fעברית end\tTab')]);
  });

  it('decodes UTF-16 LE and BE with a BOM', async () => {
    const le = Buffer.from('\uFEFFÜber 你好\r\n\r\n🙂 done', 'utf16le');
    const be = Buffer.from(le).swap16();
    const expected = [normal('Über 你好'), normal('🙂 done')];
    expect(await read('le.txt', le)).toEqual(expected);
    expect(await read('be.txt', be)).toEqual(expected);
  });

  it("reads standard input as plain text when the path is '-'", async () => {
    const stdin = Readable.from([Buffer.from('# not a heading\n'), Buffer.from('\nsecond')]);
    expect((await readDocumentFile('-', { stdin })).paragraphs).toEqual([
      normal('# not a heading'),
      normal('second'),
    ]);
  });
});

describe('readDocumentFile on .md', () => {
  it('reads headings, list items, table rows, code and paragraphs in order', async () => {
    const markdown = [
      '---',
      'title: front matter is skipped',
      '---',
      '# Title here #',
      'Intro line one',
      'intro line two',
      '',
      '## Lists',
      '- dash item',
      '* star item',
      '  continued lazily',
      '  - nested item',
      '1. first',
      '2) second',
      '',
      '***',
      '### Table',
      '| Name | Value |',
      '|:-----|------:|',
      '| a \\| b | 1 |',
      '|  |  |',
      '',
      'x | y',
      '--|--',
      '1 | 2',
      '',
      '```ts',
      '',
      'const a = 1;',
      '  indented();',
      '```',
      '> quoted text',
      '',
      'Setext heading',
      '==============',
      'Second setext',
      '---',
      '#hashtag is not a heading',
      '###### Six',
      '####### seven is text',
      '-not a list',
    ].join('\r\n');
    expect(await read('notes.md', markdown)).toEqual([
      heading('Title here', 1),
      normal('Intro line one\nintro line two'),
      heading('Lists', 2),
      item('dash item'),
      item('star item\ncontinued lazily'),
      item('nested item'),
      item('first'),
      item('second'),
      heading('Table', 3),
      row('Name | Value'),
      row('a | b | 1'),
      row('x | y'),
      row('1 | 2'),
      normal('const a = 1;\n  indented();'),
      normal('quoted text'),
      heading('Setext heading', 1),
      heading('Second setext', 2),
      normal('#hashtag is not a heading'),
      heading('Six', 6),
      normal('####### seven is text\n-not a list'),
    ]);
  });

  it('keeps an unclosed code fence to the end and drops empty headings', () => {
    expect(markdownToParagraphs('#\n\n~~~\ncode\n\nmore')).toEqual([normal('code\n\nmore')]);
  });
});
