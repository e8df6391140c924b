/**
 * The add-in manifest Word loads: its id, the origin its URLs name, and a copy whose URLs name the port the engine
 * is configured for (the shipped manifest names https://localhost:3000).
 */
import path from 'node:path';
import { parseXml } from '../documents/ooxml';

/** What Word reads from a manifest that matters for connecting to the engine. */
export interface ManifestInfo {
  /** The add-in's `<Id>`, which Windows uses as the sideload registry value's name. */
  id: string;
  /** Every URL the manifest names (attribute values and `AppDomain` elements). */
  urls: string[];
  /** The distinct origins of those URLs. */
  origins: string[];
}

/** A manifest that cannot be used, with the file and what is wrong. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/**
 * Reads a manifest's id and URLs.
 * @throws {ManifestError} when the text is not XML or has no `<Id>`.
 */
export function parseManifest(xml: string, source = 'the manifest'): ManifestInfo {
  let doc: Document;
  try {
    doc = parseXml(xml);
  } catch (err) {
    throw new ManifestError(`${source} is not valid XML: ${(err as Error).message}`);
  }
  const elements = Array.from(doc.getElementsByTagName('*'));
  const id = elements.find((e) => e.localName === 'Id')?.textContent?.trim();
  if (!id) throw new ManifestError(`${source} has no <Id>.`);
  const urls = [
    ...elements.map((e) => e.getAttribute('DefaultValue') ?? '').filter((v) => /^https?:\/\//i.test(v)),
    ...elements.filter((e) => e.localName === 'AppDomain').map((e) => e.textContent?.trim() ?? ''),
  ];
  const origins = [...new Set(urls.map((u) => new URL(u).origin))];
  return { id, urls, origins };
}

/**
 * The manifest text with every URL on https://localhost:PORT. The shipped manifest has one origin (its test says
 * so), which is replaced wherever it appears.
 * @throws {ManifestError} when the manifest has no origin or several.
 */
export function manifestForPort(xml: string, port: number): string {
  const { origins } = parseManifest(xml);
  if (origins.length !== 1) {
    throw new ManifestError(
      `The manifest names ${origins.length} origins; expected one (${origins.join(', ')}).`,
    );
  }
  return xml.split(origins[0]).join(`https://localhost:${port}`);
}

/** Where setup keeps the manifest it registers with Word (its URLs on the engine's port): in the data folder. */
export function userManifestPath(dataDir: string): string {
  return path.join(dataDir, 'manifest.xml');
}
