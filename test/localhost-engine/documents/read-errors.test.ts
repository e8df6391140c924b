import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import JSZip from 'jszip';
import {
  DocumentReadError,
  readDocumentFile,
  type DocumentReadErrorCode,
} from '../../../localhost-engine/documents/read-document-file';
import { buildBlankDocx, buildReportDocx } from './docx-fixtures';

let dir: string;
let report: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'localscribe-errors-'));
  report = await buildReportDocx();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function write(name: string, bytes: Buffer | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** Reads `path` expecting a DocumentReadError with `code` whose message names `fileName`; returns the message. */
async function expectFailure(
  path: string,
  code: DocumentReadErrorCode,
  fileName: string,
  opts?: Parameters<typeof readDocumentFile>[1],
): Promise<string> {
  const error: unknown = await readDocumentFile(path, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DocumentReadError);
  const failure = error as DocumentReadError;
  expect(failure.code).toBe(code);
  expect(failure.message).toContain(fileName);
  expect(failure.fileName).toBe(fileName);
  return failure.message;
}

describe('readDocumentFile failures', () => {
  it('not_found for a missing file', async () => {
    await expectFailure(join(dir, 'missing.docx'), 'not_found', 'missing.docx');
    await expectFailure(join(dir, 'missing.docx', 'below.txt'), 'not_found', 'below.txt');
  });

  it('unreadable for a directory', async () => {
    await mkdir(join(dir, 'folder.txt'));
    expect(await expectFailure(join(dir, 'folder.txt'), 'unreadable', 'folder.txt')).toMatch(/folder/);
    await mkdir(join(dir, 'plain-folder'));
    expect(await expectFailure(join(dir, 'plain-folder'), 'unreadable', 'plain-folder')).toMatch(/folder/);
  });

  it('unsupported_type names the supported types', async () => {
    const pdf = await expectFailure(await write('report.pdf', '%PDF-1.7'), 'unsupported_type', 'report.pdf');
    expect(pdf).toMatch(/\.docx.*\.txt.*\.md/);
    expect(await expectFailure(join(dir, 'old.doc'), 'unsupported_type', 'old.doc')).toMatch(
      /Save it as \.docx/,
    );
    await expectFailure(join(dir, 'README'), 'unsupported_type', 'README');
  });

  it('corrupt for random bytes, a truncated .docx and a ZIP without word/document.xml', async () => {
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
    const message = await expectFailure(await write('random.docx', random), 'corrupt', 'random.docx');
    expect(message).toMatch(/not a valid Word document/);

    for (const keep of [0.5, 0.98]) {
      const truncated = report.subarray(0, Math.floor(report.length * keep));
      await expectFailure(
        await write(`truncated-${keep}.docx`, truncated),
        'corrupt',
        `truncated-${keep}.docx`,
      );
    }

    const zip = await JSZip.loadAsync(report);
    zip.remove('word/document.xml');
    const noDocument = await zip.generateAsync({ type: 'nodebuffer' });
    expect(
      await expectFailure(await write('no-document.docx', noDocument), 'corrupt', 'no-document.docx'),
    ).toMatch(/word\/document\.xml/);

    zip.file(
      'word/document.xml',
      '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>',
    );
    const broken = await zip.generateAsync({ type: 'nodebuffer' });
    await expectFailure(await write('broken-xml.docx', broken), 'corrupt', 'broken-xml.docx');

    const plainZip = await new JSZip().file('hello.txt', 'hi').generateAsync({ type: 'nodebuffer' });
    await expectFailure(await write('plain-zip.docx', plainZip), 'corrupt', 'plain-zip.docx');
  });

  it('empty for an empty file, blank text and a .docx with only blank paragraphs', async () => {
    await expectFailure(await write('empty.txt', ''), 'empty', 'empty.txt');
    await expectFailure(await write('empty.docx', ''), 'empty', 'empty.docx');
    await expectFailure(await write('blank.md', '\uFEFF \n\n\t\n---\n'), 'empty', 'blank.md');
    await expectFailure(await write('blank.docx', await buildBlankDocx()), 'empty', 'blank.docx');
    await expectFailure('-', 'empty', 'standard input', { stdin: Readable.from([]) });
  });

  it('unreadable for invalid UTF-8 and truncated UTF-16', async () => {
    const latin1 = Buffer.from('Caf\xe9 cr\xe8me', 'latin1');
    expect(await expectFailure(await write('latin1.txt', latin1), 'unreadable', 'latin1.txt')).toMatch(
      /UTF-8/,
    );
    await expectFailure(
      await write('odd.md', Buffer.from([0xff, 0xfe, 0x61, 0x00, 0x62])),
      'unreadable',
      'odd.md',
    );
    await expectFailure(
      await write('odd-be.txt', Buffer.from([0xfe, 0xff, 0x00, 0x61, 0x00])),
      'unreadable',
      'odd-be.txt',
    );
  });

  it('too_large over the size limit, for files, standard input and unpacked .docx parts', async () => {
    await expectFailure(await write('big.txt', 'x'.repeat(2000)), 'too_large', 'big.txt', { maxBytes: 1000 });
    const stdin = Readable.from([Buffer.alloc(600, 'a'), Buffer.alloc(600, 'b')]);
    await expectFailure('-', 'too_large', 'standard input', { stdin, maxBytes: 1000 });

    // Compresses to a few kilobytes, unpacks to a megabyte.
    const zip = await JSZip.loadAsync(report);
    const xml = await zip.file('word/document.xml')!.async('string');
    zip.file('word/document.xml', xml.replace('<w:body>', `<w:body><!--${' '.repeat(1024 * 1024)}-->`));
    const bomb = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    expect(bomb.length).toBeLessThan(100 * 1024);
    await expectFailure(await write('bomb.docx', bomb), 'too_large', 'bomb.docx', { maxBytes: 512 * 1024 });
  });
});
