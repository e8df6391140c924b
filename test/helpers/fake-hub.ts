/**
 * A Hugging Face hub on loopback, over HTTPS with the test certificate, serving generated tiny models with the real
 * hub's URL and metadata shapes:
 * - `GET /api/models/{owner}/{name}/tree/{revision}/{folder}` → `[{ type, oid, size, path, lfs?: { oid, size,
 *   pointerSize } }]` (direct children; `oid` is the git blob SHA-1, `lfs.oid` the SHA-256 of LFS files);
 * - `GET /{owner}/{name}/resolve/{revision}/{path}` → `302` to `/cdn/…` (as the hub redirects to its CDN), which
 *   serves the bytes with `Range` support (`206` + `Content-Range`, `416` past the end).
 * Fault knobs per file make it drop, stall, corrupt, lie or fail; it counts the body bytes it serves.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import type { Catalog, CatalogEntry } from '../../localhost-engine/model-store/catalog';
import { testCertificate } from './test-engine';

export interface FileFault {
  /** Answer the file's download with this status (e.g. 404, 500). */
  status?: number;
  /** How many responses the status applies to (default: all). */
  statusTimes?: number;
  /** Close the connection after sending this many body bytes… */
  dropAfterBytes?: number;
  /** …on this many responses (default 1). */
  dropTimes?: number;
  /** Send the file up to this offset, then nothing more (the connection stays open); resumes stall there too. */
  stallAtByte?: number;
  /** Flip the bits of the byte at this offset in what is served. */
  corruptByteAt?: number;
  /** The size the tree API lists instead of the real one. */
  listedSize?: number;
  /** Send without Content-Length (chunked), so only the byte count can reveal a size lie. */
  chunked?: boolean;
  /** Answer every Range request with the whole file and 200. */
  ignoreRange?: boolean;
  /** Hold the response (headers included) until this settles. */
  gate?: Promise<unknown>;
}

export interface ServedRequest {
  url: string;
  range: string | undefined;
  status: number;
}

interface RepoFiles {
  revision: string;
  files: Map<string, Buffer>;
}

function gitBlobSha1(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function isLfs(file: string): boolean {
  return /\.onnx(\.data|_data)?$/.test(file);
}

/** Reads every file of a folder (recursively), keyed by its path relative to the folder, dot-files left out. */
export function readFolder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (sub: string): void => {
    for (const name of readdirSync(path.join(dir, sub))) {
      if (name.startsWith('.')) continue;
      const rel = sub ? `${sub}/${name}` : name;
      if (statSync(path.join(dir, rel)).isDirectory()) walk(rel);
      else out.set(rel, readFileSync(path.join(dir, rel)));
    }
  };
  walk('');
  return out;
}

export class FakeHub {
  readonly requests: ServedRequest[] = [];
  private readonly repos = new Map<string, RepoFiles>();
  private readonly faults = new Map<string, FileFault & { served: number; statusServed: number }>();
  private readonly served = new Map<string, number>();

  private constructor(
    private readonly server: https.Server,
    readonly url: string,
    readonly ca: string,
  ) {}

  /** Starts a hub on 127.0.0.1 with an ephemeral port; `close()` it in `afterAll`. */
  static async start(): Promise<FakeHub> {
    const tls = await testCertificate();
    let hub: FakeHub | null = null;
    const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      hub!.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    hub = new FakeHub(server, `https://localhost:${port}`, tls.cert);
    return hub;
  }

  /** Serves `files` (path in the repository → content) as `repo` at `revision`. */
  addRepo(repo: string, revision: string, files: Map<string, Buffer>): void {
    this.repos.set(repo, { revision, files: new Map(files) });
  }

  /** Sets the faults of one file (path inside the repository); replaces earlier ones. */
  fault(repo: string, file: string, fault: FileFault): void {
    this.faults.set(`${repo}/${file}`, { ...fault, served: 0, statusServed: 0 });
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Body bytes served so far, for one file or all of them. */
  bytesServed(repo?: string, file?: string): number {
    if (repo && file) return this.served.get(`${repo}/${file}`) ?? 0;
    return [...this.served.values()].reduce((a, b) => a + b, 0);
  }

  resetCounters(): void {
    this.served.clear();
    this.requests.length = 0;
  }

  /** The content the hub holds for one file. */
  content(repo: string, file: string): Buffer {
    const c = this.repos.get(repo)?.files.get(file);
    if (!c) throw new Error(`no ${file} in ${repo}`);
    return c;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const record = (status: number): void => {
      this.requests.push({ url: url.pathname, range: req.headers.range, status });
    };
    // /api/models/{owner}/{name}/tree/{revision}/{...folder}
    if (parts[0] === 'api' && parts[1] === 'models' && parts[4] === 'tree') {
      const repo = `${parts[2]}/${parts[3]}`;
      const entry = this.repos.get(repo);
      if (!entry || entry.revision !== parts[5]) {
        record(404);
        this.json(res, 404, { error: 'Repository or revision not found' });
        return;
      }
      const folder = parts.slice(6).join('/');
      const prefix = folder ? `${folder}/` : '';
      const children = new Map<string, object>();
      for (const [file, content] of entry.files) {
        if (!file.startsWith(prefix)) continue;
        const rest = file.slice(prefix.length);
        if (rest.includes('/')) {
          const dir = prefix + rest.slice(0, rest.indexOf('/'));
          children.set(dir, { type: 'directory', oid: gitBlobSha1(Buffer.from(dir)), size: 0, path: dir });
          continue;
        }
        const fault = this.faults.get(`${repo}/${file}`);
        const size = fault?.listedSize ?? content.length;
        children.set(
          file,
          isLfs(file)
            ? {
                type: 'file',
                oid: gitBlobSha1(Buffer.from(`pointer ${file}`)),
                size,
                path: file,
                lfs: { oid: createHash('sha256').update(content).digest('hex'), size, pointerSize: 134 },
              }
            : { type: 'file', oid: gitBlobSha1(content), size, path: file },
        );
      }
      if (children.size === 0) {
        record(404);
        this.json(res, 404, { error: `${folder} does not exist on "${parts[5]}"` });
        return;
      }
      record(200);
      this.json(res, 200, [...children.values()]);
      return;
    }
    // /{owner}/{name}/resolve/{revision}/{...path} → the CDN
    if (parts[2] === 'resolve') {
      const repo = `${parts[0]}/${parts[1]}`;
      const file = parts.slice(4).join('/');
      if (this.repos.get(repo)?.revision !== parts[3] || !this.repos.get(repo)?.files.has(file)) {
        record(404);
        this.json(res, 404, { error: 'Entry not found' });
        return;
      }
      record(302);
      res.writeHead(302, {
        location: `/cdn/${parts[0]}/${parts[1]}/${parts[3]}/${parts.slice(4).join('/')}`,
      });
      res.end();
      return;
    }
    if (parts[0] === 'cdn') {
      await this.serveFile(req, res, `${parts[1]}/${parts[2]}`, parts.slice(4).join('/'), record);
      return;
    }
    record(404);
    this.json(res, 404, { error: 'Not found' });
  }

  private async serveFile(
    req: IncomingMessage,
    res: ServerResponse,
    repo: string,
    file: string,
    record: (status: number) => void,
  ): Promise<void> {
    const key = `${repo}/${file}`;
    let content = this.repos.get(repo)?.files.get(file);
    if (!content) {
      record(404);
      this.json(res, 404, { error: 'Entry not found' });
      return;
    }
    const fault = this.faults.get(key);
    if (fault?.gate) await fault.gate;
    if (fault?.status && (fault.statusTimes === undefined || fault.statusServed < fault.statusTimes)) {
      fault.statusServed += 1;
      record(fault.status);
      this.json(res, fault.status, { error: 'Injected failure' });
      return;
    }
    if (fault?.corruptByteAt !== undefined) {
      content = Buffer.from(content);
      content[fault.corruptByteAt] ^= 0xff;
    }
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
    if (range && !fault?.ignoreRange) {
      start = Number(range[1]);
      if (start >= content.length) {
        record(416);
        res.writeHead(416, { 'content-range': `bytes */${content.length}` });
        res.end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${content.length - 1}/${content.length}`;
    }
    if (!fault?.chunked) headers['content-length'] = content.length - start;
    headers['accept-ranges'] = 'bytes';
    record(status);
    res.writeHead(status, headers);
    let body = content.subarray(start);
    let mode: 'all' | 'drop' | 'stall' = 'all';
    if (fault?.dropAfterBytes !== undefined && fault.served < (fault.dropTimes ?? 1)) {
      body = body.subarray(0, fault.dropAfterBytes);
      mode = 'drop';
    } else if (fault?.stallAtByte !== undefined) {
      body = body.subarray(0, Math.max(0, fault.stallAtByte - start));
      mode = 'stall';
    }
    if (fault) fault.served += 1;
    const CHUNK = 64 * 1024;
    for (let off = 0; off < body.length; off += CHUNK) {
      const piece = body.subarray(off, off + CHUNK);
      this.served.set(key, (this.served.get(key) ?? 0) + piece.length);
      if (!res.write(piece)) await new Promise((resolve) => res.once('drain', resolve));
      if (res.destroyed) return;
    }
    if (mode === 'all') res.end();
    else if (mode === 'drop') {
      // Close the connection mid-body, after the bytes sent so far have left.
      res.socket?.end();
    }
    // 'stall': leave the response open; close() ends it.
  }
}

/** Repositories of generated tiny models on a fake hub, and a catalog that points at them. */
export interface TinyModels {
  catalog: Catalog;
  genai: CatalogEntry;
  transformers: CatalogEntry;
}

/** Adds the tiny generated models to `hub` in both layouts (GenAI in a subfolder, transformers.js at the root). */
export async function addTinyModels(hub: FakeHub): Promise<TinyModels> {
  const genaiDir = await ensureGeneratedModel({ size: 'tiny', layout: 'genai' });
  const transformersDir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
  const genaiFiles = readFolder(genaiDir);
  const folder = 'cpu_and_mobile/tiny-int4';
  hub.addRepo(
    'test-org/tiny-phi3-onnx',
    'main',
    new Map([
      ...[...genaiFiles].map(([f, c]) => [`${folder}/${f}`, c] as const),
      ['README.md', Buffer.from('# tiny\n')],
    ]),
  );
  const transformersFiles = readFolder(transformersDir);
  hub.addRepo('test-org/tiny-phi3-web', 'main', transformersFiles);
  const genai: CatalogEntry = {
    id: 'tiny-genai',
    name: 'Tiny Phi-3 (GenAI layout)',
    repo: 'test-org/tiny-phi3-onnx',
    revision: 'main',
    folder,
    files: [...genaiFiles.keys()].sort(),
    layout: 'genai',
    devices: ['cpu'],
    defaultFor: ['cpu'],
    approxBytes: [...genaiFiles.values()].reduce((n, b) => n + b.length, 0),
    contextLength: 4096,
  };
  const transformers: CatalogEntry = {
    id: 'tiny-transformers',
    name: 'Tiny Phi-3 (transformers.js layout)',
    repo: 'test-org/tiny-phi3-web',
    revision: 'main',
    folder: '',
    files: [...transformersFiles.keys()].sort(),
    layout: 'transformers',
    devices: ['cpu', 'webgpu'],
    defaultFor: ['webgpu'],
    approxBytes: [...transformersFiles.values()].reduce((n, b) => n + b.length, 0),
    contextLength: 4096,
  };
  return { catalog: { catalogVersion: 1, models: [genai, transformers] }, genai, transformers };
}
