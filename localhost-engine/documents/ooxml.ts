import { DOMParser } from '@xmldom/xmldom';

/*
 * The XML side of reading a .docx: parsing a part, and matching WordprocessingML elements and attributes by
 * namespace and local name rather than by the `w:` prefix, which a producer is free to choose.
 */

/** WordprocessingML as Word writes it (Transitional) and as ISO Strict documents write it. */
const WORDPROCESSING_NAMESPACES = new Set([
  'http://schemas.openxmlformats.org/wordprocessingml/2006/main',
  'http://purl.oclc.org/ooxml/wordprocessingml/main',
]);

/** Thrown by {@link parseXml} when a part is not well-formed XML. */
export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
}

/**
 * Parses one XML part into a DOM. Entities (`&amp;`, `&#x1F600;`, …) come back decoded in text and attributes.
 * xmldom resolves no external entities and expands no DTD-declared ones, so a hostile part cannot reach the
 * file system or blow up memory through entity expansion.
 *
 * @throws {XmlParseError} when the text is not well-formed XML or has no root element.
 */
export function parseXml(xml: string): Document {
  const fail = (message: unknown): never => {
    throw new XmlParseError(String(message).split('\n')[0]);
  };
  // xmldom reports most problems through the handler and carries on; failing on the first error keeps a damaged
  // part from quietly producing half a document.
  const parser = new DOMParser({ errorHandler: { warning: () => undefined, error: fail, fatalError: fail } });
  const document = parser.parseFromString(xml, 'text/xml');
  if (!document?.documentElement) throw new XmlParseError('the XML has no root element');
  return document;
}

/** Whether `node` is the WordprocessingML element `w:<localName>`. */
export function isW(node: Node, localName: string): boolean {
  return (
    node.nodeType === 1 &&
    (node as Element).localName === localName &&
    WORDPROCESSING_NAMESPACES.has((node as Element).namespaceURI ?? '')
  );
}

/** Whether `element` is a WordprocessingML element whose local name is one of `localNames`. */
export function isWOneOf(element: Element, localNames: ReadonlySet<string>): boolean {
  return localNames.has(element.localName) && WORDPROCESSING_NAMESPACES.has(element.namespaceURI ?? '');
}

/** The child elements of `parent`, in document order. */
export function childElements(parent: Node): Element[] {
  const children: Element[] = [];
  for (let child = parent.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType === 1) children.push(child as Element);
  }
  return children;
}

/** The first child `w:<localName>` of `parent`, or null. */
export function wChild(parent: Node | null | undefined, localName: string): Element | null {
  if (!parent) return null;
  for (let child = parent.firstChild; child !== null; child = child.nextSibling) {
    if (isW(child, localName)) return child as Element;
  }
  return null;
}

/** The value of the attribute `w:<localName>` on `element`, or null when it is absent or empty. */
export function wAttr(element: Element | null | undefined, localName: string): string | null {
  if (!element) return null;
  for (const namespace of WORDPROCESSING_NAMESPACES) {
    const value = element.getAttributeNS(namespace, localName);
    if (value) return value;
  }
  return null;
}
