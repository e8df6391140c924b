/**
 * @jest-environment jsdom
 *
 * manifest.xml: valid against Microsoft's schemas (offline, libxml2), plus what no schema checks — every resid
 * resolves to a resource of the right kind, ids are unique, every URL is on one HTTPS origin and names a file the
 * build serves (the pane from dist/taskpane/ at "/", icons from assets/ at "/assets/"), icons have their sizes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateXml } from '../helpers/validate-xml';

const ROOT = resolve(__dirname, '../..');
const MANIFEST = join(ROOT, 'manifest.xml');
const SCHEMA = join(ROOT, 'test/fixtures/office-manifest-schemas/OfficeAppManifestV1_1.xsd');
const ORIGIN = 'https://localhost:3000';
const BT = 'http://schemas.microsoft.com/office/officeappbasictypes/1.0';
const source = readFileSync(MANIFEST, 'utf8');
const manifest = new DOMParser().parseFromString(source, 'application/xml');

const validate = (xml: string) => validateXml(xml, SCHEMA);

const all = (name: string): Element[] =>
  Array.from(manifest.getElementsByTagName('*')).filter((e) => e.localName === name);
const text = (name: string): string[] => all(name).map((e) => e.textContent?.trim() ?? '');

/** Resource ids by kind: bt:Images / bt:Urls / bt:ShortStrings / bt:LongStrings. */
function resources(kind: string): Map<string, string> {
  const group = Array.from(manifest.getElementsByTagNameNS(BT, kind))[0];
  return new Map(
    Array.from(group?.children ?? []).map((e) => [
      e.getAttribute('id') ?? '',
      e.getAttribute('DefaultValue') ?? '',
    ]),
  );
}

/** Every URL in the manifest: DefaultValue attributes that are URLs, and AppDomain elements. */
function urls(): string[] {
  const attributes = Array.from(manifest.getElementsByTagName('*'))
    .map((e) => e.getAttribute('DefaultValue') ?? '')
    .filter((v) => /^[a-z]+:\/\//i.test(v));
  return [...attributes, ...text('AppDomain')];
}

/** Path on the origin → file in the repository, as the engine serves them. */
function servedFile(url: string): string | undefined {
  const { pathname } = new URL(url);
  if (pathname.startsWith('/assets/')) return join(ROOT, pathname.slice(1));
  // The pane's pages are what webpack's HtmlWebpackPlugin writes to dist/taskpane/, served at "/".
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(join(ROOT, 'webpack.config.js'))({}, { mode: 'production' }) as {
    output: { path: string };
    plugins: Array<{ userOptions?: { filename?: string } }>;
  };
  expect(config.output.path).toBe(join(ROOT, 'dist/taskpane'));
  const pages = config.plugins.map((p) => p.userOptions?.filename).filter(Boolean);
  return pages.includes(pathname.slice(1)) ? join(config.output.path, pathname.slice(1)) : undefined;
}

function pngSize(file: string): [number, number] {
  const png = readFileSync(file);
  expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

describe('manifest.xml', () => {
  it('is well-formed', () => {
    expect(manifest.getElementsByTagName('parsererror')).toHaveLength(0);
  });

  it('validates against the Office add-in schemas', () => {
    expect(validate(source)).toEqual({ valid: true, errors: [] });
  });

  it('is rejected by the schema check when elements are out of order (the validator is live)', () => {
    const broken = source
      .replace('  <Permissions>ReadWriteDocument</Permissions>\n', '')
      .replace('  <DefaultSettings>', '  <Permissions>ReadWriteDocument</Permissions>\n  <DefaultSettings>');
    const result = validate(broken);
    expect(result.valid).toBe(false);
    expect(result.errors.join('\n')).toMatch(/Permissions/);
  });

  it('targets Word with ReadWriteDocument and WordApi 1.3', () => {
    expect(all('Host').map((h) => h.getAttribute('Name') ?? h.getAttribute('xsi:type'))).toEqual([
      'Document',
      'Document',
    ]);
    expect(text('Permissions')).toEqual(['ReadWriteDocument']);
    const sets = all('Set').map((s) => [s.getAttribute('Name'), s.getAttribute('MinVersion')]);
    expect(sets).toEqual([['WordApi', '1.3']]);
  });

  it('has a Summarize button in a LocalScribe group on the Home tab, and Summarize selection on the text menu', () => {
    const home = all('OfficeTab').find((t) => t.getAttribute('id') === 'TabHome');
    const strings = resources('ShortStrings');
    const urlsById = resources('Urls');
    const label = (e: Element) =>
      strings.get(
        Array.from(e.children)
          .find((c) => c.localName === 'Label')
          ?.getAttribute('resid') ?? '',
      );
    const group = Array.from(home?.children ?? []).find((c) => c.localName === 'Group');
    expect(group && label(group)).toBe('LocalScribe');
    const buttons = (parent: Element | undefined) =>
      Array.from(parent?.children ?? []).filter((c) => c.localName === 'Control');
    const [summarize] = buttons(group);
    expect(label(summarize)).toBe('Summarize');
    const menu = all('OfficeMenu').find((m) => m.getAttribute('id') === 'ContextMenuText');
    const [selection] = buttons(menu);
    expect(label(selection)).toBe('Summarize selection');
    const action = (control: Element) => {
      const a = Array.from(control.getElementsByTagName('*')).find((e) => e.localName === 'Action')!;
      const child = (name: string) => Array.from(a.children).find((c) => c.localName === name);
      const location = child('SourceLocation')?.getAttribute('resid');
      return {
        type: a.getAttribute('xsi:type'),
        ...(location ? { url: urlsById.get(location) } : { function: child('FunctionName')?.textContent }),
      };
    };
    expect(action(summarize)).toEqual({ type: 'ShowTaskpane', url: `${ORIGIN}/taskpane.html` });
    // A function of the pane's own page (taskpane/word/commands.ts), run in the pane's runtime where shared.
    expect(action(selection)).toEqual({ type: 'ExecuteFunction', function: 'summarizeSelection' });
  });

  it('shares one long-lived runtime between the pane and the commands (SharedRuntime 1.1)', () => {
    const urlsById = resources('Urls');
    const [runtime] = all('Runtime');
    expect(runtime.getAttribute('lifetime')).toBe('long');
    // The runtime, the function file and the pane must be the same page for the runtime to be shared.
    expect(urlsById.get(runtime.getAttribute('resid')!)).toBe(`${ORIGIN}/taskpane.html`);
    expect(urlsById.get(all('FunctionFile')[0].getAttribute('resid')!)).toBe(`${ORIGIN}/taskpane.html`);
    const panes = all('SourceLocation')
      .map((e) => e.getAttribute('resid'))
      .filter((resid) => resid !== null);
    expect(new Set(panes)).toEqual(new Set([runtime.getAttribute('resid')]));
    // Not a requirement of the add-in: a Word without SharedRuntime 1.1 still installs it (and ignores Runtimes).
    expect(all('Set').map((s) => s.getAttribute('Name'))).not.toContain('SharedRuntime');
  });

  it('resolves every resid to a resource of the kind its element needs, and uses every resource', () => {
    const kinds: Record<string, string> = {
      Image: 'Images',
      SourceLocation: 'Urls',
      LearnMoreUrl: 'Urls',
      FunctionFile: 'Urls',
      Runtime: 'Urls',
      Label: 'ShortStrings',
      Title: 'ShortStrings',
      Description: 'LongStrings',
    };
    const used = new Set<string>();
    for (const element of Array.from(manifest.getElementsByTagName('*'))) {
      const resid = element.getAttribute('resid');
      if (!resid) continue;
      const kind = kinds[element.localName];
      expect(
        `${element.localName} → ${kind ? (resources(kind).has(resid) ? 'ok' : `missing ${resid}`) : 'unknown element'}`,
      ).toBe(`${element.localName} → ok`);
      used.add(resid);
    }
    const defined = ['Images', 'Urls', 'ShortStrings', 'LongStrings'].flatMap((k) => [
      ...resources(k).keys(),
    ]);
    expect(defined.filter((id) => !used.has(id))).toEqual([]);
  });

  it('has unique ids', () => {
    const ids = Array.from(manifest.getElementsByTagName('*'))
      .map((e) => e.getAttribute('id'))
      .filter((id): id is string => id !== null);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(text('Id')[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('puts every URL on one HTTPS origin', () => {
    const origins = new Set(urls().map((u) => new URL(u).origin));
    expect([...origins]).toEqual([ORIGIN]);
  });

  it('points every URL at a file the build serves', () => {
    for (const url of urls().filter((u) => new URL(u).pathname !== '/')) {
      const file = servedFile(url);
      expect(`${url} → ${file ? 'served' : 'nothing serves it'}`).toBe(`${url} → served`);
      if (file?.startsWith(join(ROOT, 'assets'))) expect(existsSync(file)).toBe(true);
    }
  });

  it('declares icons with their real pixel sizes', () => {
    for (const image of Array.from(manifest.getElementsByTagNameNS(BT, 'Image'))) {
      const size = Number(image.getAttribute('size') ?? NaN);
      if (Number.isNaN(size)) continue; // a resource, checked below through its references
      const url = resources('Images').get(image.getAttribute('resid') ?? '')!;
      expect(pngSize(servedFile(url)!)).toEqual([size, size]);
    }
    const [icon] = all('IconUrl');
    const [highRes] = all('HighResolutionIconUrl');
    expect(pngSize(servedFile(icon.getAttribute('DefaultValue')!)!)).toEqual([32, 32]);
    expect(pngSize(servedFile(highRes.getAttribute('DefaultValue')!)!)).toEqual([64, 64]);
  });
});
