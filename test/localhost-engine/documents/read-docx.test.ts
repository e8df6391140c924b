import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import type { Paragraph } from '../../../localhost-engine/api/schemas';
import { readDocumentFile } from '../../../localhost-engine/documents/read-document-file';
import { buildReportDocx, buildStylesDocx, MIXED_SCRIPT_TEXT } from './docx-fixtures';

const p = (
  text: string,
  style: Paragraph['style'],
  outlineLevel: number | null = null,
  isListItem = false,
  inTable = false,
): Paragraph => ({ text, style, outlineLevel, isListItem, inTable });

let dir: string;
let report: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'localscribe-docx-'));
  report = await buildReportDocx();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function write(name: string, bytes: Buffer | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

describe('readDocumentFile on .docx', () => {
  it('reads title, headings, lists, table cells and body text in document order', async () => {
    const { paragraphs } = await readDocumentFile(await write('report.docx', report));
    expect(paragraphs).toEqual([
      p('Quarterly Report', 'Title'),
      p('Introduction', 'Heading1', 1),
      p('Profits & losses <up> "quoted" \'single\'', 'Normal'),
      p('Background', 'Heading2', 2),
      p('First bullet', 'ListParagraph', null, true),
      p('Nested bullet', 'ListParagraph', null, true),
      p('Step one', 'ListParagraph', null, true),
      p('Step two', 'ListParagraph', null, true),
      p('Details', 'Heading3', 3),
      p('Name', 'Normal', null, false, true),
      p('Value', 'Normal', null, false, true),
      p('Alpha', 'Normal', null, false, true),
      p('1', 'Normal', null, false, true),
      p('approximate', 'Normal', null, false, true),
      p('Line one\nLine two', 'Normal'),
      p('Left\tRight', 'Normal'),
      p(MIXED_SCRIPT_TEXT, 'Normal'),
      p('Kept inserted', 'Normal'),
      p('Read more: the site', 'Normal'),
    ]);
  });

  it('maps styles by their names, so localized ids, Heading 7 and custom styles come out right', async () => {
    const { paragraphs } = await readDocumentFile(await write('styles.DOCX', await buildStylesDocx()));
    expect(paragraphs).toEqual([
      p('Titel', 'Title'),
      p('Überschrift', 'Heading1', 1),
      p('Deep heading', 'Heading7', 7),
      p('Chapter one', 'Other', 1),
      p('A quote', 'Other'),
      p('Outlined body', 'Other', 4),
      p('Promoted body', 'Normal', 1),
      p('Unknown style', 'Normal'),
    ]);
  });

  it('finds parts whatever their case and strips control characters from the text', async () => {
    const zip = await JSZip.loadAsync(report);
    const xml = (await zip.file('word/document.xml')!.async('string')).replace(
      'Quarterly Report',
      'Quarterly&#x9;Re\u0007port',
    );
    zip.remove('word/document.xml');
    zip.file('Word/Document.xml', xml);
    // Relationships still name word/document.xml; the lookup must not care about case.
    const path = await write('cased.docx', await zip.generateAsync({ type: 'nodebuffer' }));
    const { paragraphs } = await readDocumentFile(path);
    expect(paragraphs[0]).toEqual(p('Quarterly\tReport', 'Title'));
  });
});
