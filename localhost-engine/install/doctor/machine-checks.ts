/**
 * What the machine needs around the engine: free disk for the model and its caches, Windows' loopback exemption
 * for the Edge WebView, and what Word on the web asks of the browser.
 */
import { existsSync, statfsSync } from 'node:fs';
import path from 'node:path';
import type { InstallContext } from '../install-context';
import type { CheckResult } from './doctor-check';

const GB = 1e9;

/** Free bytes on the file system that holds `dir` (or its nearest existing parent). */
export function freeBytes(dir: string): number {
  let d = path.resolve(dir);
  while (!existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  const s = statfsSync(d);
  return s.bavail * s.bsize;
}

/** Free disk: enough for the model's download when it is missing, and 2 GB for caches otherwise. */
export function diskCheck(dir: string, free: number, modelMissingBytes: number | null): CheckResult {
  const title = 'There is room on the disk';
  const need = modelMissingBytes !== null ? modelMissingBytes * 1.1 : 2 * GB;
  const what = modelMissingBytes !== null ? 'the model download' : 'caches and updates';
  const detail = `${(free / GB).toFixed(1)} GB free where models go (${dir}); ${what} needs about ${(need / GB).toFixed(1)} GB.`;
  if (free >= need) return { id: 'disk', title, status: 'pass', detail };
  return {
    id: 'disk',
    title,
    status: modelMissingBytes !== null ? 'fail' : 'warn',
    detail,
    fix: `Free some space on that disk, or put models elsewhere: "modelsDir" in config.json (or LOCALSCRIBE_MODELS_DIR).`,
  };
}

/** The package family of the WebView that older Word builds on Windows use for add-ins. */
export const WEBVIEW_FAMILY = 'microsoft.win32webviewhost_cw5n1h2txyewy';

/** Windows: may Word's Edge WebView (EdgeHTML) reach localhost? WebView2 needs no exemption. */
export async function webviewLoopbackCheck(ctx: InstallContext): Promise<CheckResult> {
  const title = "Word's Edge WebView may reach localhost";
  if (ctx.platform !== 'win32')
    return { id: 'webview-loopback', title, status: 'skip', detail: 'Only Windows has this restriction.' };
  const fix = `In a Command Prompt opened as administrator: CheckNetIsolation LoopbackExempt -a -n="${WEBVIEW_FAMILY}". Only needed where Word shows add-ins in the Edge (EdgeHTML) WebView; WebView2 does not need it.`;
  const r = await ctx.run('CheckNetIsolation', ['LoopbackExempt', '-s']);
  if (r.status !== 0)
    return {
      id: 'webview-loopback',
      title,
      status: 'warn',
      detail: `CheckNetIsolation could not list the exemptions (${(r.stderr || r.error || '').trim()}).`,
      fix,
    };
  if (r.stdout.toLowerCase().includes(WEBVIEW_FAMILY))
    return { id: 'webview-loopback', title, status: 'pass', detail: `${WEBVIEW_FAMILY} is exempt.` };
  return {
    id: 'webview-loopback',
    title,
    status: 'warn',
    detail: `${WEBVIEW_FAMILY} has no loopback exemption.`,
    fix,
  };
}

/** Word on the web in Chrome or Edge: the Local Network Access prompt and the policies that pre-approve it. */
export function webAccessNote(port: number): CheckResult {
  return {
    id: 'word-on-the-web',
    title: 'Word on the web may reach the engine',
    status: 'info',
    detail: `Chrome and Edge 142 and later ask, the first time, whether the Word page may access apps on this device (https://localhost:${port}); choose Allow. Organizations pre-approve it with the browser policies LocalNetworkAccessAllowedForUrls and LoopbackNetworkAllowedForUrls, listing the origin Word on the web runs on (the address bar's, with a document open).`,
  };
}
