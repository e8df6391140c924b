/**
 * The engine's TLS certificate: the one named in the config, else office-addin-dev-certs' (trusted by Office once
 * `npx office-addin-dev-certs install` has run), else a self-signed one made here and kept in the data folder.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface TlsFiles {
  key: string;
  cert: string;
  /** Where they came from, for the start-up log. */
  source: 'config' | 'office-addin-dev-certs' | 'self-signed';
}

/** A certificate for localhost, 127.0.0.1 and ::1, valid for a year. */
export async function makeSelfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/**
 * Finds or makes the engine's certificate.
 * @throws Error when configured files cannot be read (the message names them).
 */
export async function loadTlsFiles(
  certFile: string | null,
  keyFile: string | null,
  dataDir: string,
): Promise<TlsFiles> {
  if (certFile || keyFile) {
    if (!certFile || !keyFile) throw new Error('Name both the certificate (--cert) and its key (--key).');
    try {
      return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), source: 'config' };
    } catch (err) {
      throw new Error(`Cannot read the TLS certificate or key: ${(err as Error).message}`);
    }
  }
  const devCerts = path.join(os.homedir(), '.office-addin-dev-certs');
  if (existsSync(path.join(devCerts, 'localhost.crt')) && existsSync(path.join(devCerts, 'localhost.key'))) {
    return {
      cert: readFileSync(path.join(devCerts, 'localhost.crt'), 'utf8'),
      key: readFileSync(path.join(devCerts, 'localhost.key'), 'utf8'),
      source: 'office-addin-dev-certs',
    };
  }
  const dir = path.join(dataDir, 'certs');
  const cert = path.join(dir, 'localhost.crt');
  const key = path.join(dir, 'localhost.key');
  if (!existsSync(cert) || !existsSync(key)) {
    const made = await makeSelfSignedCertificate();
    mkdirSync(dir, { recursive: true });
    writeFileSync(key, made.key, { mode: 0o600 });
    writeFileSync(cert, made.cert);
  }
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8'), source: 'self-signed' };
}
