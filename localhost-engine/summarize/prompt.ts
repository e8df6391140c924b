/**
 * The summarization prompts: how a document (or the summaries of its parts) and the user's options become chat
 * messages. One module, versioned, so cached part summaries and benchmarks say which prompts made them.
 */
import type { Paragraph, SummarizeOptions, SummaryLength, SummaryStyle } from '../api/schemas';

/** Bump when any prompt below changes: cached part summaries of older versions are then not reused. */
export const PROMPT_VERSION = 4;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ResolvedOptions {
  style: SummaryStyle;
  length: SummaryLength;
}

/** Output-token caps of the final summary by length; the engine never generates more than this. */
export const MAX_NEW_TOKENS: Record<SummaryLength, number> = { short: 160, medium: 320, long: 640 };

/** Output-token caps of one part's summary (the map step) by length. */
export const PART_MAX_NEW_TOKENS: Record<SummaryLength, number> = { short: 120, medium: 180, long: 260 };

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

/** How the model is asked to cite: the document's paragraphs carry labels (./citations.ts). */
const CITE_DOCUMENT =
  'Each paragraph of the document starts with its label, like [¶12]. End every point or sentence you write with the labels of the paragraphs it rests on, like [¶12] or [¶3, ¶7].';
const CITE_SUMMARIES =
  'Each point of the summaries ends with the labels of the paragraphs it rests on, like [¶12]. End every point or sentence you write with the labels of the paragraphs it rests on, taken from the points it uses.';

const SYSTEM: ChatMessage = {
  role: 'system',
  content:
    'You summarize documents faithfully. Use only facts stated in the text; never invent names, numbers or dates. Answer with the summary only.',
};

/** Fills in the defaults of the contract. */
export function resolveOptions(options: SummarizeOptions | undefined): ResolvedOptions {
  return { style: options?.style ?? 'key-points', length: options?.length ?? 'medium' };
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

/**
 * One paragraph as a line that keeps what a reader sees: a heading as a Markdown heading, a list item as a
 * bullet, a table cell as a "| " row; empty for a paragraph without text.
 */
export function renderParagraph(p: Paragraph): string {
  const text = p.text.trim();
  if (!text) return '';
  const level = headingLevel(p);
  if (level !== null) return `${'#'.repeat(Math.min(level, 6))} ${text}`;
  if (p.isListItem || p.style === 'ListParagraph') return `- ${text}`;
  if (p.inTable) return `| ${text}`;
  return text;
}

/** The whole document rendered paragraph by paragraph, in order. */
export function renderDocument(paragraphs: readonly Paragraph[]): string {
  return paragraphs
    .map(renderParagraph)
    .filter((line) => line.length > 0)
    .join('\n');
}

function quoted(text: string): string {
  return `"""\n${text}\n"""`;
}

/**
 * The messages for a document that fits in one prompt: the user's style and length directly. The document comes
 * before the instructions, so that summarizing it again in another style or length starts with the same tokens
 * and the engine reads them from its prompt cache (`inference/kv/in-place-kv.ts`) instead of running
 * the document through the model again.
 */
export function buildMessages(documentText: string, options: ResolvedOptions): ChatMessage[] {
  return [
    SYSTEM,
    {
      role: 'user',
      content: `Document:\n${quoted(documentText)}\n\n${CITE_DOCUMENT} ${STYLE_INSTRUCTION[options.style]} ${LENGTH_HINT[options.length]}`,
    },
  ];
}

/**
 * The map step: one part of a longer document, summarized on its own. Independent of the style option, so a
 * change of style reuses cached part summaries.
 */
export function buildPartMessages(partText: string, part: number, of: number): ChatMessage[] {
  return [
    SYSTEM,
    {
      role: 'user',
      content: `This is part ${part} of ${of} of a longer document. Summarize this part as a few short points, one "- " line each, keeping every fact, name, number, date and obligation that matters. ${CITE_DOCUMENT}\n\nPart ${part}:\n${quoted(partText)}`,
    },
  ];
}

/** The reduce step's input: part summaries under their titles, in order. */
export function renderPartSummaries(summaries: ReadonlyArray<{ title: string; summary: string }>): string {
  return summaries.map((s) => `## ${s.title}\n${s.summary.trim()}`).join('\n\n');
}

/**
 * The paragraphs the summaries cite, given back to the model with them where the context has room ("refine with
 * source"), so that a combining step checks its points against the text instead of only against summaries.
 */
function sourcesBlock(sourcesText: string): string {
  return sourcesText ? `\n\nThe paragraphs they cite:\n${quoted(sourcesText)}` : '';
}

/** An intermediate reduce step, when the part summaries together do not fit one prompt. */
export function buildCombineMessages(summariesText: string, sourcesText = ''): ChatMessage[] {
  return [
    SYSTEM,
    {
      role: 'user',
      content: `These are summaries of consecutive sections of one document. Combine them into one summary of these sections as short points, one "- " line each, keeping what matters from each. ${CITE_SUMMARIES}\n\nSummaries:\n${quoted(summariesText)}${sourcesBlock(sourcesText)}`,
    },
  ];
}

/**
 * The final step over the part summaries, in the user's style and length; the summaries come before the style and
 * length, as in `buildMessages`, so that another style reads them from the prompt cache.
 */
export function buildFinalMessages(
  summariesText: string,
  options: ResolvedOptions,
  sourcesText = '',
): ChatMessage[] {
  return [
    SYSTEM,
    {
      role: 'user',
      content: `These are summaries of the consecutive sections of one document.\n\nSection summaries:\n${quoted(summariesText)}${sourcesBlock(sourcesText)}\n\n${STYLE_INSTRUCTION[options.style]} ${LENGTH_HINT[options.length]} Cover the whole document. ${CITE_SUMMARIES}`,
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
