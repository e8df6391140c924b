/**
 * DNS-rebinding and cross-site protection (the guide's "Localhost security"): only requests addressed to this
 * engine by a loopback name, and only from its own origin when a browser says where it comes from.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface LoopbackGuardOptions {
  /** The port the engine is reached on; when absent, the listening socket's port. */
  port?: number;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

function listeningPort(app: FastifyInstance, configured?: number): number | null {
  if (configured) return configured;
  const address = app.server.address();
  return address && typeof address === 'object' ? address.port : null;
}

/** The hosts (`name:port`) this engine answers to. */
export function allowedHosts(port: number): string[] {
  return LOOPBACK_NAMES.map((name) => `${name}:${port}`);
}

function reject(request: FastifyRequest, message: string): never {
  request.log.warn({ host: request.headers.host, origin: request.headers.origin }, message);
  throw Object.assign(new Error(message), { statusCode: 403, code: 'forbidden' });
}

async function loopbackGuard(app: FastifyInstance, opts: LoopbackGuardOptions): Promise<void> {
  app.addHook('onRequest', async (request) => {
    const port = listeningPort(app, opts.port);
    const host = (request.headers.host ?? '').toLowerCase();
    if (port === null || !allowedHosts(port).includes(host)) {
      reject(
        request,
        `Requests must be addressed to localhost:${port ?? '<port>'}; "${host}" is not allowed.`,
      );
    }
    const origin = request.headers.origin;
    if (
      origin !== undefined &&
      !allowedHosts(port)
        .map((h) => `https://${h}`)
        .includes(origin.toLowerCase())
    ) {
      reject(request, `Cross-origin requests are not allowed (origin "${origin}").`);
    }
  });
}

export default fp(loopbackGuard, { name: 'loopback-guard' });
