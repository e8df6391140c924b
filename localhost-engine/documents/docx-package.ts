import JSZip from 'jszip';
import { childElements, parseXml } from './ooxml';

/*
 * Opens the ZIP container of a .docx and hands back the two parts the reader needs. JSZip is the ZIP reader
 * mammoth itself uses (so it is always installed with it); it reads the central directory, which is how a
 * truncated or non-ZIP file is recognised before anything is inflated.
 */

/** Why a package could not be opened: `detail` finishes the sentence "the file is damaged or is not a .docx: …". */
export class DocxPackageError extends Error {
  override readonly name = 'DocxPackageError';

  constructor(
    readonly reason: 'corrupt' | 'too_large',
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

/** The XML text of the parts of a .docx that hold its paragraphs and its style definitions. */
export interface DocxParts {
  /** The main document part (normally `word/document.xml`). */
  documentXml: string;
  /** The style definitions (normally `word/styles.xml`), or null when the package has none. */
  stylesXml: string | null;
}

const OFFICE_DOCUMENT_RELATIONSHIP = /\/officeDocument$/;
const STYLES_RELATIONSHIP = /\/styles$/;

/**
 * Opens `bytes` as a .docx and reads its main document part and its styles part. The main part is found
 * through the package relationships (`_rels/.rels`) and falls back to `word/document.xml`; part names are
 * matched without regard to case, as the packaging standard asks.
 *
 * @param maxPartBytes - the most bytes any one part may inflate to; a guard against ZIP bombs.
 * @throws {DocxPackageError} `corrupt` when the bytes are not a ZIP archive, the archive has no main document
 *   part, or a part cannot be inflated or decoded; `too_large` when a part inflates past `maxPartBytes`.
 */
export async function readDocxParts(bytes: Uint8Array, maxPartBytes: number): Promise<DocxParts> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes);
  } catch (cause) {
    // JSZip's own messages (with a URL to its docs) mean nothing to a user; the original stays in `cause`.
    throw new DocxPackageError('corrupt', 'it is not a complete ZIP archive, which every .docx is', {
      cause,
    });
  }
  const entries = new Map<string, JSZip.JSZipObject>();
  for (const entry of Object.values(zip.files)) if (!entry.dir) entries.set(entry.name.toLowerCase(), entry);
  const read = async (name: string): Promise<string | null> => {
    const entry = entries.get(name.toLowerCase());
    return entry ? readPart(entry, maxPartBytes) : null;
  };

  const documentPath =
    (await relationshipTarget(read, '_rels/.rels', '', OFFICE_DOCUMENT_RELATIONSHIP)) ?? '';
  const mainPath = entries.has(documentPath.toLowerCase()) ? documentPath : 'word/document.xml';
  const documentXml = await read(mainPath);
  if (documentXml === null) {
    throw new DocxPackageError('corrupt', 'it has no word/document.xml, so it holds no Word document');
  }

  const folder = mainPath.includes('/') ? mainPath.slice(0, mainPath.lastIndexOf('/') + 1) : '';
  const fileName = mainPath.slice(folder.length);
  const stylesPath =
    (await relationshipTarget(read, `${folder}_rels/${fileName}.rels`, folder, STYLES_RELATIONSHIP)) ??
    `${folder}styles.xml`;
  const stylesXml = (await read(stylesPath)) ?? (await read('word/styles.xml'));
  return { documentXml, stylesXml };
}

/**
 * The target of the first relationship of the given type in a .rels part, resolved against `base`; null when
 * the part is missing or unreadable, because relationships are only a hint here and the default names follow.
 */
async function relationshipTarget(
  read: (name: string) => Promise<string | null>,
  relsPath: string,
  base: string,
  type: RegExp,
): Promise<string | null> {
  let xml: string | null;
  let relationships: Element;
  try {
    xml = await read(relsPath);
    if (xml === null) return null;
    relationships = parseXml(xml).documentElement;
  } catch (error) {
    if (error instanceof DocxPackageError && error.reason === 'too_large') throw error;
    return null;
  }
  for (const relationship of childElements(relationships)) {
    const target = relationship.getAttribute('Target');
    if (relationship.getAttribute('TargetMode') === 'External' || !target) continue;
    if (type.test(relationship.getAttribute('Type') ?? '')) return resolvePartName(base, target);
  }
  return null;
}

/** Resolves a relationship target (`document.xml`, `/word/document.xml`, `../x.xml`) to a ZIP entry name. */
function resolvePartName(base: string, target: string): string {
  const segments = target.startsWith('/') ? [] : base.split('/').filter(Boolean);
  for (const segment of target.split('/')) {
    if (segment === '..') segments.pop();
    else if (segment !== '' && segment !== '.') segments.push(segment);
  }
  return segments.join('/');
}

/** Inflates one part, stopping as soon as it passes the limit rather than after the damage is done. */
async function readPart(entry: JSZip.JSZipObject, maxPartBytes: number): Promise<string> {
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    // JSZip's streams are readable-stream v2, which are not async iterable; events work on every version.
    const stream = entry.nodeStream('nodebuffer');
    stream.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total <= maxPartBytes) {
        chunks.push(chunk);
        return;
      }
      stream.pause();
      stream.removeAllListeners('data');
      const limit = Math.round((maxPartBytes / (1024 * 1024)) * 10) / 10;
      reject(new DocxPackageError('too_large', `its part ${entry.name} unpacks to more than ${limit} MB`));
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', (cause: unknown) =>
      reject(
        new DocxPackageError('corrupt', `its part ${entry.name} cannot be unpacked (${messageOf(cause)})`, {
          cause,
        }),
      ),
    );
  });
  // XML parts are UTF-8 unless they start with a UTF-16 byte-order mark.
  const utf16 = bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe;
  try {
    return new TextDecoder(utf16 ? 'utf-16le' : 'utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new DocxPackageError(
      'corrupt',
      `its part ${entry.name} is not valid ${utf16 ? 'UTF-16' : 'UTF-8'} text`,
      {
        cause,
      },
    );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
