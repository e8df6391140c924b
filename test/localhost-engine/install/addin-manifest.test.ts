/**
 * The manifest setup registers: the shipped one's id and single origin, and a copy for another port that changes
 * every URL and nothing else.
 */
import { readFileSync } from 'node:fs';
import {
  ManifestError,
  manifestForPort,
  parseManifest,
} from '../../../localhost-engine/install/addin-manifest';
import { SHIPPED_MANIFEST } from '../../../localhost-engine/package-files';

const shipped = readFileSync(SHIPPED_MANIFEST, 'utf8');

test('the shipped manifest has an id and one origin, https://localhost:3000', () => {
  const info = parseManifest(shipped);
  expect(info.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(info.origins).toEqual(['https://localhost:3000']);
  expect(info.urls.length).toBeGreaterThan(5);
});

test('a copy for port 4123 names only https://localhost:4123 and differs in nothing else', () => {
  const moved = manifestForPort(shipped, 4123);
  const info = parseManifest(moved);
  expect(info.origins).toEqual(['https://localhost:4123']);
  expect(info.urls).toHaveLength(parseManifest(shipped).urls.length);
  expect(moved.split('https://localhost:4123').join('https://localhost:3000')).toBe(shipped);
});

test('a manifest without an id, or not XML, is refused with its name', () => {
  expect(() => parseManifest('<OfficeApp/>', 'old.xml')).toThrow(new ManifestError('old.xml has no <Id>.'));
  expect(() => parseManifest('not xml', 'x.xml')).toThrow(/x\.xml is not valid XML/);
});
