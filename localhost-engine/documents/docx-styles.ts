import type { ParagraphStyle } from '../api/schemas';
import { childElements, isW, parseXml, wAttr, wChild } from './ooxml';

/*
 * Resolves a paragraph's style id to what the contract calls its style. Style ids are not stable names: Word
 * writes localized ids (`berschrift1` in German, `Titre1` in French, `1` in some Asian locales) while the
 * style's `w:name` stays the built-in English name (`heading 1`). So ids are looked up in styles.xml and
 * classified by name, and properties Word inherits through `w:basedOn` (outline level, numbering) are followed
 * up the chain.
 */

/** What a paragraph inherits from its style. */
export interface ResolvedStyle {
  /** The built-in style the contract knows, or `Other` for a custom style. */
  style: ParagraphStyle;
  /** The outline level (1–9) the style gives, or null for body text. */
  outlineLevel: number | null;
  /** Whether the style itself makes its paragraphs list items (e.g. `List Bullet` carries numbering). */
  numbered: boolean;
}

interface StyleDefinition {
  name: string | null;
  basedOn: string | null;
  /** `w:outlineLvl` as written: 0–8 are levels 1–9, 9 is body text. */
  outlineLvl: number | null;
  /** `w:numId` as written; "0" switches inherited numbering off. */
  numId: string | null;
}

/** Looks up paragraph styles by id. */
export interface StyleSheet {
  /** The style of a paragraph with this `w:pStyle` id (null: no `w:pStyle`, so the default paragraph style). */
  resolve(styleId: string | null): ResolvedStyle;
}

/** How deep a `w:basedOn` chain is followed; real chains are short, and this also stops cycles. */
const MAX_CHAIN = 32;

/**
 * Builds a style sheet from the text of styles.xml. A missing or damaged styles part is not fatal: ids are then
 * classified as names (`Heading1`, `Title`, …), which is what documents from most generators use.
 */
export function readStyleSheet(stylesXml: string | null): StyleSheet {
  const styles = new Map<string, StyleDefinition>();
  let defaultId: string | null = null;
  if (stylesXml !== null) {
    let root: Element | null = null;
    try {
      root = parseXml(stylesXml).documentElement;
    } catch {
      root = null; // fall back to classifying ids, as documented above
    }
    for (const element of root ? childElements(root) : []) {
      if (!isW(element, 'style') || wAttr(element, 'type') !== 'paragraph') continue;
      const id = wAttr(element, 'styleId');
      if (id === null) continue;
      const pPr = wChild(element, 'pPr');
      const outline = wAttr(wChild(pPr, 'outlineLvl'), 'val');
      styles.set(id, {
        name: wAttr(wChild(element, 'name'), 'val'),
        basedOn: wAttr(wChild(element, 'basedOn'), 'val'),
        outlineLvl: outline === null ? null : Number.parseInt(outline, 10),
        numId: wAttr(wChild(wChild(pPr, 'numPr'), 'numId'), 'val'),
      });
      const isDefault = wAttr(element, 'default');
      if (defaultId === null && (isDefault === '1' || isDefault === 'true' || isDefault === 'on'))
        defaultId = id;
    }
  }

  const chain = (id: string): StyleDefinition[] => {
    const found: StyleDefinition[] = [];
    for (let current: string | null = id; current !== null && found.length < MAX_CHAIN;) {
      const definition = styles.get(current);
      if (!definition) break;
      found.push(definition);
      current = definition.basedOn;
    }
    return found;
  };

  return {
    resolve(styleId) {
      const id = styleId ?? defaultId;
      if (id === null) return { style: 'Normal', outlineLevel: null, numbered: false };
      const definitions = chain(id);
      if (definitions.length === 0) {
        // Word shows a paragraph whose style is not defined in the default style; the id may still be a name.
        const style = builtInStyle(id) ?? 'Normal';
        return { style, outlineLevel: headingLevel(style), numbered: false };
      }
      let outlineLevel: number | null = null;
      for (const definition of definitions) {
        if (definition.outlineLvl !== null) {
          outlineLevel = toOutlineLevel(definition.outlineLvl);
          break;
        }
        // Built-in headings carry their level even where a generator leaves w:outlineLvl out.
        const level = headingLevel(builtInStyle(definition.name));
        if (level !== null) {
          outlineLevel = level;
          break;
        }
      }
      const numId = definitions.find((definition) => definition.numId !== null)?.numId ?? null;
      return {
        style: builtInStyle(definitions[0].name) ?? 'Other',
        outlineLevel,
        numbered: numId !== null && numId !== '0',
      };
    },
  };
}

/** `w:outlineLvl` (0–8 levels, 9 body text) to the contract's 1–9 or null. */
export function toOutlineLevel(outlineLvl: number): number | null {
  return Number.isInteger(outlineLvl) && outlineLvl >= 0 && outlineLvl <= 8 ? outlineLvl + 1 : null;
}

/** The contract's style for a built-in style name (`heading 1`, `Heading1`, `Title`, …), or null if custom. */
function builtInStyle(name: string | null): ParagraphStyle | null {
  if (name === null) return null;
  const key = name.toLowerCase().replace(/\s+/g, '');
  if (key === 'title') return 'Title';
  if (key === 'normal') return 'Normal';
  if (key === 'listparagraph') return 'ListParagraph';
  const heading = /^heading([1-9])$/.exec(key);
  return heading ? (`Heading${heading[1]}` as ParagraphStyle) : null;
}

function headingLevel(style: ParagraphStyle | null): number | null {
  const match = style === null ? null : /^Heading([1-9])$/.exec(style);
  return match ? Number(match[1]) : null;
}
