/**
 * Builds the .docx files the document tests read, with the `docx` package, so every fixture is visible in code
 * and no binary is checked in.
 */
import {
  AlignmentType,
  DeletedTextRun,
  Document,
  ExternalHyperlink,
  HeadingLevel,
  InsertedTextRun,
  LevelFormat,
  Packer,
  Paragraph,
  Tab,
  Table,
  TableCell,
  TableRow,
  TextRun,
} from 'docx';

export const MIXED_SCRIPT_TEXT = '👩‍💻 Team: مرحبا بالعالم — 你好世界 — שלום 🇩🇪';

const cell = (...texts: string[]): TableCell =>
  new TableCell({ children: texts.map((text) => new Paragraph(text)) });

/** Title, headings 1–3, bullets (nested), a numbered list, a 2×2 table, breaks, tabs, links, tracked changes. */
export function buildReportDocx(): Promise<Buffer> {
  const revision = { author: 'Test', date: '2024-01-01T00:00:00Z' };
  const document = new Document({
    numbering: {
      config: [
        {
          reference: 'steps',
          levels: [{ level: 0, format: LevelFormat.DECIMAL, text: '%1.', alignment: AlignmentType.START }],
        },
      ],
    },
    sections: [
      {
        children: [
          new Paragraph({ text: 'Quarterly Report', heading: HeadingLevel.TITLE }),
          new Paragraph({ text: 'Introduction', heading: HeadingLevel.HEADING_1 }),
          new Paragraph('Profits & losses <up> "quoted" \'single\''),
          new Paragraph({}),
          new Paragraph({ text: 'Background', heading: HeadingLevel.HEADING_2 }),
          new Paragraph({ text: 'First bullet', bullet: { level: 0 } }),
          new Paragraph({ text: 'Nested bullet', bullet: { level: 1 } }),
          new Paragraph({ text: 'Step one', numbering: { reference: 'steps', level: 0 } }),
          new Paragraph({ text: 'Step two', numbering: { reference: 'steps', level: 0 } }),
          new Paragraph({ text: 'Details', heading: HeadingLevel.HEADING_3 }),
          new Table({
            rows: [
              new TableRow({ children: [cell('Name'), cell('Value')] }),
              new TableRow({ children: [cell('Alpha'), cell('1', 'approximate')] }),
            ],
          }),
          new Paragraph({ children: [new TextRun('Line one'), new TextRun({ text: 'Line two', break: 1 })] }),
          new Paragraph({ children: [new TextRun({ children: ['Left', new Tab(), 'Right'] })] }),
          new Paragraph(MIXED_SCRIPT_TEXT),
          new Paragraph({
            children: [
              new TextRun('Kept '),
              new DeletedTextRun({ text: 'removed ', id: 1, ...revision }),
              new InsertedTextRun({ text: 'inserted', id: 2, ...revision }),
            ],
          }),
          new Paragraph({
            children: [
              new TextRun('Read more: '),
              new ExternalHyperlink({ link: 'https://example.com', children: [new TextRun('the site')] }),
            ],
          }),
          new Paragraph('   '),
        ],
      },
    ],
  });
  return Packer.toBuffer(document);
}

/**
 * Styles whose ids are not the English built-in ids (as localized Word writes them), a heading 7, custom styles
 * (one based on a heading) and outline levels set on a style and on a paragraph.
 */
export function buildStylesDocx(): Promise<Buffer> {
  const document = new Document({
    styles: {
      paragraphStyles: [
        { id: 'Titel', name: 'Title', basedOn: 'Normal' },
        { id: 'berschrift1', name: 'heading 1', basedOn: 'Normal' },
        { id: 'Heading7', name: 'heading 7', basedOn: 'Normal' },
        { id: 'Chapter', name: 'Chapter Heading', basedOn: 'berschrift1' },
        { id: 'FancyQuote', name: 'Fancy Quote', basedOn: 'Normal' },
        { id: 'Outlined', name: 'Outlined Body', basedOn: 'Normal', paragraph: { outlineLevel: 3 } },
      ],
    },
    sections: [
      {
        children: [
          new Paragraph({ text: 'Titel', style: 'Titel' }),
          new Paragraph({ text: 'Überschrift', style: 'berschrift1' }),
          new Paragraph({ text: 'Deep heading', style: 'Heading7' }),
          new Paragraph({ text: 'Chapter one', style: 'Chapter' }),
          new Paragraph({ text: 'A quote', style: 'FancyQuote' }),
          new Paragraph({ text: 'Outlined body', style: 'Outlined' }),
          new Paragraph({ text: 'Promoted body', outlineLevel: 0 }),
          new Paragraph({ text: 'Unknown style', style: 'NoSuchStyle' }),
        ],
      },
    ],
  });
  return Packer.toBuffer(document);
}

/** A document whose only paragraphs are blank. */
export function buildBlankDocx(): Promise<Buffer> {
  const document = new Document({ sections: [{ children: [new Paragraph({}), new Paragraph('  ')] }] });
  return Packer.toBuffer(document);
}
