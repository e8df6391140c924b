/**
 * Setup's trust step against a stand-in office-addin-dev-certs that behaves as the real one (an untrusted
 * certificate is deleted with its authority and a new one made and trusted), in a temporary home: what it
 * reports, what it records, and that uninstall takes back a certificate it trusted, whatever was there before.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trustCertificate } from '../../../localhost-engine/install/certificate-trust';
import { addToInstallRecord, readInstallRecord } from '../../../localhost-engine/install/install-record';
import { runUninstall } from '../../../localhost-engine/install/uninstall-command';
import type { ModelStore } from '../../../localhost-engine/model-store/model-store';
import { testInstall } from './install-fixtures';

const FILES = ['ca.crt', 'localhost.crt', 'localhost.key'];

/** The user's certificate store and office-addin-dev-certs' folder, as the stand-in sees them. */
const mockCerts = { dir: '', trusted: false, generation: 0, installs: 0 };

jest.mock('office-addin-dev-certs', () => {
  const remove = (dir: string) => {
    if (dir !== mockCerts.dir) throw new Error(`asked to delete ${dir}, not the test's folder`);
    for (const f of ['ca.crt', 'localhost.crt', 'localhost.key']) rmSync(path.join(dir, f), { force: true });
    if (existsSync(dir) && readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
  };
  return {
    verifyCertificates: () => mockCerts.trusted,
    // As office-addin-dev-certs 3: when not trusted, uninstall the authority, delete the files, make and trust new.
    ensureCertificatesAreInstalled: async () => {
      if (mockCerts.trusted) return;
      remove(mockCerts.dir);
      mkdirSync(mockCerts.dir, { recursive: true });
      mockCerts.generation += 1;
      for (const f of ['ca.crt', 'localhost.crt', 'localhost.key'])
        writeFileSync(path.join(mockCerts.dir, f), `generation ${mockCerts.generation}\n`);
      mockCerts.trusted = true;
      mockCerts.installs += 1;
    },
    uninstallCaCertificate: async () => {
      mockCerts.trusted = false;
    },
    deleteCertificateFiles: (dir: string) => remove(dir),
  };
});

// office-addin-dev-certs' folder is in os.homedir(), which the module reads when it loads: a temporary one here.
jest.mock('node:os', () => {
  const actual = jest.requireActual<typeof import('node:os')>('node:os');
  const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
  const home = fs.mkdtempSync(`${actual.tmpdir()}/localscribe-certs-home-`);
  return { ...actual, homedir: () => home };
});

beforeAll(() => {
  mockCerts.dir = path.join(os.homedir(), '.office-addin-dev-certs');
  // The stand-in deletes what it is told to: never in the real home.
  if (!mockCerts.dir.includes('localscribe-certs-home-'))
    throw new Error(`not a test home: ${mockCerts.dir}`);
});
beforeEach(() => {
  rmSync(mockCerts.dir, { recursive: true, force: true });
  Object.assign(mockCerts, { trusted: false, generation: 0, installs: 0 });
});

// Uninstall asks the model store only for model entries, and these tests record none.
const noModels = {} as ModelStore;

test('a certificate already there but not trusted is replaced and recorded, so uninstall takes it back', async () => {
  const { ctx } = testInstall('darwin');
  mkdirSync(mockCerts.dir, { recursive: true });
  for (const f of FILES) writeFileSync(path.join(mockCerts.dir, f), 'an expired one\n');

  const result = await trustCertificate(ctx);
  expect(result.status).toBe('done');
  expect(result.detail).toContain('It replaced the one that was there');
  expect(result.entries).toEqual([{ kind: 'certificate', caFile: path.join(mockCerts.dir, 'ca.crt') }]);
  expect(readFileSync(path.join(mockCerts.dir, 'ca.crt'), 'utf8')).toBe('generation 1\n');

  addToInstallRecord(ctx.dataDir, ...result.entries);
  const undone = await runUninstall(ctx, noModels);
  expect(undone.map((u) => [u.entry.kind, u.status])).toEqual([['certificate', 'undone']]);
  expect(mockCerts.trusted).toBe(false);
  expect(existsSync(mockCerts.dir)).toBe(false);
});

test('with none there it makes one and records it; a later setup that renews it does not record it twice', async () => {
  const { ctx } = testInstall('win32');
  const first = await trustCertificate(ctx);
  expect(first).toMatchObject({ status: 'done', entries: [{ kind: 'certificate' }] });
  expect(first.detail).not.toContain('replaced');
  addToInstallRecord(ctx.dataDir, ...first.entries);

  mockCerts.trusted = false; // a year on, it has expired
  const renewed = await trustCertificate(ctx);
  expect(renewed).toMatchObject({ status: 'done', entries: [] });
  expect(mockCerts.installs).toBe(2);
  expect(readInstallRecord(ctx.dataDir).filter((e) => e.kind === 'certificate')).toHaveLength(1);
});

test('a certificate this computer trusts already is left alone and not recorded', async () => {
  const { ctx } = testInstall('darwin');
  mockCerts.trusted = true;
  expect(await trustCertificate(ctx)).toMatchObject({ status: 'already', entries: [] });
  expect(mockCerts.installs).toBe(0);
});

test('on Linux it changes nothing and says how to trust it in a browser', async () => {
  const { ctx } = testInstall('linux');
  const result = await trustCertificate(ctx);
  expect(result).toMatchObject({ status: 'not-applicable', entries: [] });
  expect(result.detail).toContain(path.join(mockCerts.dir, 'ca.crt'));
  expect(mockCerts.installs).toBe(0);
});
