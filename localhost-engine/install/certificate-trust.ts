/**
 * Setup's trust step: office-addin-dev-certs makes a certificate authority and a localhost certificate in
 * ~/.office-addin-dev-certs (where the engine looks first) and installs the authority in the user's certificate
 * store, which Word's web view trusts. Windows and macOS ask the user to confirm; on Linux it would need sudo, and
 * there is no Word desktop to trust it, so setup leaves it to the user there.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { certificateLocations } from '../certificates';
import type { InstallContext } from './install-context';
import { readInstallRecord, type InstallEntry } from './install-record';

// office-addin-dev-certs keeps its files in the home folder os.homedir() names; so does the engine.
const certificateDirectory = path.dirname(certificateLocations('')[0].cert);
const caCertificatePath = path.join(certificateDirectory, 'ca.crt');

/** How long the certificate setup makes is valid; the doctor warns a week before it ends. */
export const CERTIFICATE_DAYS = 365;

export interface TrustResult {
  status: 'done' | 'already' | 'not-applicable' | 'failed';
  detail: string;
  entries: InstallEntry[];
}

/** Installs (or finds) a localhost certificate the operating system trusts; never throws. */
export async function trustCertificate(ctx: InstallContext): Promise<TrustResult> {
  if (ctx.platform === 'linux') {
    return {
      status: 'not-applicable',
      detail: `Word desktop does not run on Linux. For Word on the web, make your browser trust https://localhost: \`npx office-addin-dev-certs install\` (it uses sudo), then import ${caCertificatePath} into the browser.`,
      entries: [],
    };
  }
  try {
    // Loaded here: only setup and uninstall need it, not every `localscribe` command.
    const { verifyCertificates, ensureCertificatesAreInstalled } = await import('office-addin-dev-certs');
    if (verifyCertificates()) {
      return {
        status: 'already',
        detail: `This computer trusts the localhost certificate in ${certificateDirectory}.`,
        entries: [],
      };
    }
    // An untrusted certificate already there is not kept: office-addin-dev-certs deletes it (and its authority)
    // and makes a new one, so what is trusted afterwards is setup's whether or not files were there before.
    const replaced = existsSync(caCertificatePath)
      ? ' It replaced the one that was there, which this computer did not trust (or which had expired).'
      : '';
    await ensureCertificatesAreInstalled(CERTIFICATE_DAYS);
    const recorded = readInstallRecord(ctx.dataDir).some((e) => e.kind === 'certificate');
    return {
      status: 'done',
      detail: `Installed a certificate for https://localhost (valid ${CERTIFICATE_DAYS} days) and made this computer trust it; files in ${certificateDirectory}.${replaced}`,
      entries: recorded ? [] : [{ kind: 'certificate', caFile: caCertificatePath }],
    };
  } catch (err) {
    return { status: 'failed', detail: (err as Error).message, entries: [] };
  }
}

/**
 * Takes the certificate authority out of the user's store and deletes the files setup made.
 * @throws Error from office-addin-dev-certs when the store refuses.
 */
export async function untrustCertificate(): Promise<void> {
  const { uninstallCaCertificate, deleteCertificateFiles } = await import('office-addin-dev-certs');
  await uninstallCaCertificate(false, false);
  deleteCertificateFiles(certificateDirectory);
}
