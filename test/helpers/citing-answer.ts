/**
 * A scripted model's answer that cites what its prompt shows: for each of the first `count` labelled lines of the
 * prompt's first quoted block that is not a heading (a paragraph, or a point of a summary), a "- " point made of the
 * line's words and ending with its labels; then one point with a broken and an out-of-range citation.
 */
import type { ChatMessage } from '../../localhost-engine/summarize/prompt';

export function citingAnswer(messages: ChatMessage[], count = 2): string {
  const prompt = messages[messages.length - 1].content;
  const input = prompt.split('"""')[1] ?? '';
  const lines = input.split('\n').filter((l) => /\[¶\d+/.test(l) && !l.startsWith('#'));
  const points = lines.slice(0, count).map((l) => {
    const labels = [...l.matchAll(/¶(\d+)/g)].map((m) => `¶${m[1]}`);
    const words = l.replace(/\[[^\]]*\]/g, '').replace(/^[-|\s]+/, '');
    return `- ${words.trim()} [${labels.join(', ')}]`;
  });
  return `${points.join('\n')}\n- A point with a broken citation [¶ and one past the end [¶99999].`;
}
