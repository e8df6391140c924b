/**
 * The certificate the engine serves (or would serve): valid for localhost, not expired, and trusted by the
 * operating system, which is what Word's web view checks. Trust is asked of the platform's own tool: macOS
 * `security verify-cert`, Windows' certificate chain (PowerShell, revocation not checked), Linux `openssl verify`.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InstallContext } from '../install-context';
import type { CheckResult } from './doctor-check';

const TRUST_FIX =
  'Run `localscribe setup` (it installs a localhost certificate trusted by this computer, with office-addin-dev-certs), then restart the engine (`localscribe service install`).';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether the operating system trusts `pem` for the server name localhost; null when it cannot tell. */
export async function osTrusts(
  pem: string,
  ctx: InstallContext,
): Promise<{ trusted: boolean | null; how: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'localscribe-cert-'));
  const file = path.join(dir, 'engine.crt');
  writeFileSync(file, pem);
  try {
    if (ctx.platform === 'darwin') {
      const r = await ctx.run('security', ['verify-cert', '-c', file, '-p', 'ssl', '-s', 'localhost']);
      return { trusted: r.status === null ? null : r.status === 0, how: 'security verify-cert' };
    }
    if (ctx.platform === 'win32') {
      const script = `$c = New-Object Security.Cryptography.X509Certificates.X509Certificate2('${file.replace(/'/g, "''")}'); $ch = New-Object Security.Cryptography.X509Certificates.X509Chain; $ch.ChainPolicy.RevocationMode = 'NoCheck'; $ch.Build($c)`;
      const r = await ctx.run('powershell', ['-NoProfile', '-NonInteractive', '-Command', script]);
      const answer = r.stdout.trim();
      return {
        trusted: answer === 'True' ? true : answer === 'False' ? false : null,
        how: 'the Windows certificate store',
      };
    }
    const r = await ctx.run('openssl', [
      'verify',
      '-purpose',
      'sslserver',
      '-CApath',
      '/etc/ssl/certs',
      file,
    ]);
    return {
      trusted: r.status === null ? null : r.status === 0,
      how: 'openssl verify against /etc/ssl/certs',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The certificate check on the certificate the engine serves (`served`) or, when it is not running, would load. */
export async function certificateCheck(
  certificate: X509Certificate | string | null,
  source: string,
  ctx: InstallContext,
  now = Date.now(),
): Promise<CheckResult> {
  const title = 'The certificate is valid for localhost and trusted';
  if (certificate === null) {
    return {
      id: 'certificate',
      title,
      status: 'fail',
      detail: `No certificate found (${source}).`,
      fix: TRUST_FIX,
    };
  }
  const cert = typeof certificate === 'string' ? new X509Certificate(certificate) : certificate;
  const names = cert.subjectAltName ?? cert.subject;
  if (!cert.checkHost('localhost')) {
    return {
      id: 'certificate',
      title,
      status: 'fail',
      detail: `The certificate ${source} is for ${names}, not localhost: Word refuses the pane.`,
      fix: `Remove the certificate setting (--cert/--key, "cert"/"key" in config.json) to use LocalScribe's own, or name a certificate for localhost. ${TRUST_FIX}`,
    };
  }
  const expires = Date.parse(cert.validTo);
  if (expires <= now || Date.parse(cert.validFrom) > now) {
    return {
      id: 'certificate',
      title,
      status: 'fail',
      detail: `The certificate ${source} is not valid now (valid ${cert.validFrom} to ${cert.validTo}).`,
      fix: TRUST_FIX,
    };
  }
  const { trusted, how } = await osTrusts(cert.toString(), ctx);
  const soon =
    expires - now < 7 * DAY_MS
      ? ` It expires on ${cert.validTo}; \`localscribe setup\` makes a new one.`
      : '';
  if (trusted === true) {
    return {
      id: 'certificate',
      title,
      status: soon ? 'warn' : 'pass',
      detail: `The certificate ${source} is for localhost and trusted (${how}).${soon}`,
      ...(soon ? { fix: TRUST_FIX } : {}),
    };
  }
  // Word desktop does not run on Linux; browsers there keep their own list of trusted certificates.
  const status = ctx.platform === 'linux' ? 'warn' : 'fail';
  const why =
    trusted === null
      ? `could not be checked (${how} is not available)`
      : `is not trusted by this computer (${how})`;
  return {
    id: 'certificate',
    title,
    status,
    detail: `The certificate ${source} is for localhost but ${why}.${soon}`,
    fix: TRUST_FIX,
  };
}
