/**
 * The summarization prompt: how a document and the user's options become chat messages. One module, versioned,
 * so cached results and benchmarks can say which prompt made them.
 */
import type { Paragraph, SummarizeOptions, SummaryLength, SummaryStyle } from '../api/schemas';

export const PROMPT_VERSION = 1;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ResolvedOptions {
  style: SummaryStyle;
  length: SummaryLength;
}

/** Output-token caps by length; the engine never generates more than this. */
export const MAX_NEW_TOKENS: Record<SummaryLength, number> = { short: 160, medium: 320, long: 640 };

const LENGTH_HINT: Record<SummaryLength, string> = {
  short: 'Keep it short: at most about 60 words.',
  medium: 'Aim for about 120 words.',
  long: 'Aim for about 250 words.',
};

const STYLE_INSTRUCTION: Record<SummaryStyle, string> = {
  'key-points': 'Write the key points as a bulleted list, one "- " line per point, most important first.',
  paragraph: 'Write one coherent paragraph of plain prose.',
  sections:
    'Summarize section by section: for each heading of the document, write the heading on its own line followed by one or two sentences.',
  executive:
    'Write an executive brief for a busy decision maker: the conclusion first, then what matters and what to do, in two to four sentences.',
};

/** Fills in the defaults of the contract. */
export function resolveOptions(options: SummarizeOptions | undefined): ResolvedOptions {
  return { style: options?.style ?? 'key-points', length: options?.length ?? 'medium' };
}

/**
 * Renders paragraphs as plain text that keeps the structure a reader sees: headings as Markdown headings, list
 * items as bullets, table rows with their cells joined by " | ", all in document order.
 */
export function renderDocument(paragraphs: readonly Paragraph[]): string {
  const lines: string[] = [];
  for (const p of paragraphs) {
    const text = p.text.trim();
    if (!text) continue;
    const level = headingLevel(p);
    if (level !== null) lines.push(`${'#'.repeat(Math.min(level, 6))} ${text}`);
    else if (p.isListItem || p.style === 'ListParagraph') lines.push(`- ${text}`);
    else if (p.inTable) lines.push(`| ${text}`);
    else lines.push(text);
  }
  return lines.join('\n');
}

/** The heading level of a paragraph (Title counts as 1), or null for body text. */
export function headingLevel(p: Paragraph): number | null {
  if (p.style === 'Title') return 1;
  const m = p.style ? /^Heading(\d)$/.exec(p.style) : null;
  if (m) return Number(m[1]);
  if (typeof p.outlineLevel === 'number' && p.style !== 'Normal' && p.style !== 'ListParagraph')
    return p.outlineLevel;
  return null;
}

/** The chat messages for one summary of `documentText`. */
export function buildMessages(documentText: string, options: ResolvedOptions): ChatMessage[] {
  return [
    {
      role: 'system',
      content:
        'You summarize documents faithfully. Use only facts stated in the document; never invent names, numbers or dates. Answer with the summary only.',
    },
    {
      role: 'user',
      content: `${STYLE_INSTRUCTION[options.style]} ${LENGTH_HINT[options.length]}\n\nDocument:\n"""\n${documentText}\n"""`,
    },
  ];
}

/** Splits plain text into paragraphs at blank lines, as the contract says for `text` input. */
export function paragraphsFromText(text: string): Paragraph[] {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((t) => t.replace(/\s*\r?\n\s*/g, ' ').trim())
    .filter((t) => t.length > 0)
    .map((t) => ({
      text: t,
      style: 'Normal' as const,
      outlineLevel: null,
      isListItem: false,
      inTable: false,
    }));
}
