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

/** Where the engine looks for its certificate and key when none is configured, in order. */
export function certificateLocations(
  dataDir: string,
  home: string = os.homedir(),
): Array<{ source: TlsFiles['source']; cert: string; key: string }> {
  const devCerts = path.join(home, '.office-addin-dev-certs');
  const own = path.join(dataDir, 'certs');
  return [
    {
      source: 'office-addin-dev-certs',
      cert: path.join(devCerts, 'localhost.crt'),
      key: path.join(devCerts, 'localhost.key'),
    },
    { source: 'self-signed', cert: path.join(own, 'localhost.crt'), key: path.join(own, 'localhost.key') },
  ];
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
  const [devCerts, own] = certificateLocations(dataDir);
  if (existsSync(devCerts.cert) && existsSync(devCerts.key)) {
    return {
      cert: readFileSync(devCerts.cert, 'utf8'),
      key: readFileSync(devCerts.key, 'utf8'),
      source: devCerts.source,
    };
  }
  if (!existsSync(own.cert) || !existsSync(own.key)) {
    const made = await makeSelfSignedCertificate();
    mkdirSync(path.dirname(own.cert), { recursive: true });
    writeFileSync(own.key, made.key, { mode: 0o600 });
    writeFileSync(own.cert, made.cert);
  }
  return { cert: readFileSync(own.cert, 'utf8'), key: readFileSync(own.key, 'utf8'), source: own.source };
}
