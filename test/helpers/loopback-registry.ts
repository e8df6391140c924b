/**
 * A package registry on 127.0.0.1 that knows one package: a tarball `npm pack` made, published the way the public
 * registry publishes it (its packument, with `_hasShrinkwrap` when the tarball holds npm-shrinkwrap.json). Every
 * other request gets 404, so an install that is not served from npm's cache fails instead of going online.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackRegistry {
  url: string;
  /** Every path asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `tarball`, whose package.json is `manifest`, as the only package of a registry on a free loopback port. */
export async function startLoopbackRegistry(
  tarball: string,
  manifest: { name: string; version: string },
  hasShrinkwrap: boolean,
): Promise<LoopbackRegistry> {
  const bytes = readFileSync(tarball);
  const requests: string[] = [];
  const tarballPath = `/${manifest.name}/-/${manifest.name}-${manifest.version}.tgz`;
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === `/${manifest.name}`) {
      res.setHeader('content-type', 'application/json');
      const dist = {
        tarball: `${base}${tarballPath}`,
        integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
        shasum: createHash('sha1').update(bytes).digest('hex'),
      };
      const version = { ...manifest, _hasShrinkwrap: hasShrinkwrap, dist };
      res.end(
        JSON.stringify({
          name: manifest.name,
          'dist-tags': { latest: manifest.version },
          versions: { [manifest.version]: version },
        }),
      );
    } else if (req.url === tarballPath) {
      res.end(bytes);
    } else {
      res.statusCode = 404;
      res.end('{"error":"not found"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
