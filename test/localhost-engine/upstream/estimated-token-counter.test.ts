/**
 * The estimate for an unknown tokenizer against the Phi-3 tokenizer (Llama 2's 32k vocabulary, the one among the
 * common chat models that needs the most tokens per character): it must not fall below the real count on any
 * paragraph of prose in several scripts, numbers, tables, code or emoji, and its cuts must keep to their bound.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTokenizer, type ChatTokenizer } from '../../../localhost-engine/inference/tokenizer';
import {
  estimatedTokenCounter,
  estimatePromptTokens,
  estimateTokens,
} from '../../../localhost-engine/upstream/estimated-token-counter';
import { labelParagraphs } from '../../../localhost-engine/summarize/citations';
import { buildPartMessages, renderParagraph } from '../../../localhost-engine/summarize/prompt';

const PHI3 = path.join(__dirname, '..', '..', '..', 'models', 'tokenizer', 'phi3');
const LICENCES = ['GPL-3', 'Apache-2.0', 'MPL-2.0', 'GFDL-1.3', 'Artistic', 'BSD'].map((f) =>
  readFileSync(path.join('/usr/share/common-licenses', f), 'utf8'),
);

const repeat = (text: string): string => Array.from({ length: 20 }, () => text).join(' ');

/** Texts of kinds Word documents hold, beyond English prose. */
const SAMPLES: Record<string, string> = {
  german: repeat('Die Vertragsparteien verpflichten sich, sämtliche Änderungen schriftlich festzuhalten.'),
  french: repeat("Le locataire s'engage à payer le loyer à l'échéance prévue, déduction faite des charges."),
  russian: repeat('Арендатор обязуется своевременно вносить арендную плату и содержать помещение.'),
  greek: repeat('Ο μισθωτής υποχρεούται να καταβάλλει το μίσθωμα εγκαίρως και να διατηρεί το ακίνητο.'),
  hebrew: repeat('השוכר מתחייב לשלם את דמי השכירות במועד ולשמור על הנכס במצב טוב.'),
  arabic: repeat('يلتزم المستأجر بدفع الإيجار في موعده والمحافظة على العقار بحالة جيدة.'),
  japanese: repeat('本契約は、甲と乙との間で締結されるものとし、双方は誠実にこれを履行する。'),
  chinese: repeat('承租人应按时支付租金，并保持房屋处于良好状态。合同期满后双方可协商续约。'),
  korean: repeat('임차인은 임대료를 기한 내에 지급하고 건물을 양호한 상태로 유지하여야 한다.'),
  hindi: repeat('किरायेदार समय पर किराया देगा और संपत्ति को अच्छी स्थिति में रखेगा।'),
  thai: repeat('ผู้เช่าต้องชำระค่าเช่าตรงเวลาและดูแลทรัพย์สินให้อยู่ในสภาพดี'),
  emoji: repeat('👍🏽 great work 🎉🎉 see you 👨‍👩‍👧'),
  capitals: repeat('THE LICENSEE SHALL INDEMNIFY AND HOLD HARMLESS THE LICENSOR FROM ANY CLAIMS.'),
  numbers: Array.from({ length: 400 }, (_, i) => String(i * 7919)).join(' '),
  table: Array.from(
    { length: 60 },
    (_, i) => `| ${i} | ${(i * 3.14).toFixed(2)} | 2026-01-${(i % 28) + 1} | $${i * 17},000 |`,
  ).join('\n'),
  urls: repeat('See https://example.com/a/b?c=d&e=f#g and mailto:someone@example.org for details.'),
  code: readFileSync(
    path.join(__dirname, '..', '..', '..', 'localhost-engine', 'summarize', 'chunker.ts'),
    'utf8',
  ),
};

describe('the token estimate for an unknown tokenizer', () => {
  let phi3: ChatTokenizer;
  beforeAll(async () => {
    phi3 = await loadTokenizer(PHI3);
  });

  it('stays at or above the real count on every paragraph of six licences', () => {
    let paragraphs = 0;
    for (const text of LICENCES) {
      for (const p of text.split(/\n\s*\n/).filter((x) => x.trim())) {
        paragraphs += 1;
        expect(estimateTokens(p)).toBeGreaterThanOrEqual(phi3.encode(p).length);
      }
    }
    expect(paragraphs).toBeGreaterThan(300);
  });

  it('stays at or above the real count on paragraphs labelled for citations, as parts show them', () => {
    const paragraphs = LICENCES[1].split(/\n\s*\n/).map((text, i) => ({
      text: text.trim(),
      style: i % 7 === 0 ? ('Heading2' as const) : ('Normal' as const),
    }));
    for (const p of labelParagraphs(paragraphs).slice(0, 120)) {
      const line = renderParagraph(p);
      expect(estimateTokens(line)).toBeGreaterThanOrEqual(phi3.encode(line).length);
    }
  });

  it.each(Object.keys(SAMPLES))('stays at or above the real count on %s', (name) => {
    const text = SAMPLES[name];
    for (const line of [text, ...text.split('\n')]) {
      expect(estimateTokens(line)).toBeGreaterThanOrEqual(phi3.encode(line).length);
    }
  });

  it('counts a whole prompt with its chat template at or above the tokenizer', () => {
    const messages = buildPartMessages(LICENCES[0].slice(0, 6000), 2, 5);
    const real = phi3.applyChatTemplate(messages).length;
    expect(estimatePromptTokens(messages)).toBeGreaterThanOrEqual(real);
  });

  it('cuts text into pieces within the bound that join back to the text', () => {
    for (const text of [LICENCES[0].slice(0, 20_000), SAMPLES.japanese, SAMPLES.numbers, 'x'.repeat(5000)]) {
      for (const max of [16, 100, 700]) {
        const pieces = estimatedTokenCounter.cut(text, max);
        expect(pieces.join('')).toBe(text);
        for (const piece of pieces) {
          expect(piece.length).toBeGreaterThan(0);
          expect(estimateTokens(piece)).toBeLessThanOrEqual(max);
        }
      }
    }
  });

  it('errs high on English prose by a known factor (parts are that much smaller than the context allows)', () => {
    const text = LICENCES[0];
    const ratio = estimateTokens(text) / phi3.encode(text).length;
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(2);
  });
});
