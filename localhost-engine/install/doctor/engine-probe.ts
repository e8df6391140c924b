/**
 * What answers on https://localhost:PORT: nothing, the LocalScribe engine (with its health and the certificate it
 * serves), or another program. One request, the certificate not verified (the certificate check judges it).
 */
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import type { HealthResponse } from '../../api/schemas';

export type Probe =
  | { kind: 'nothing'; detail: string }
  | { kind: 'localscribe'; health: HealthResponse; certificate: X509Certificate | null }
  | { kind: 'other'; detail: string; certificate: X509Certificate | null };

function isHealth(body: unknown): body is HealthResponse {
  const b = body as Partial<HealthResponse> | null;
  return b?.status === 'ok' && typeof b.version === 'string' && typeof b.model?.state === 'string';
}

/** Asks https://localhost:PORT/api/health (on 127.0.0.1) and says who answered; never rejects. */
export function probeEngine(port: number, timeoutMs = 3000): Promise<Probe> {
  return new Promise((resolve) => {
    let certificate: X509Certificate | null = null;
    const req = https.get(
      {
        host: '127.0.0.1',
        port,
        path: '/api/health',
        servername: 'localhost',
        headers: { host: `localhost:${port}`, accept: 'application/json' },
        rejectUnauthorized: false,
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 65536) body += c;
        });
        res.on('end', () => {
          try {
            const parsed: unknown = JSON.parse(body);
            if (res.statusCode === 200 && isHealth(parsed))
              return resolve({ kind: 'localscribe', health: parsed, certificate });
          } catch {
            // not JSON: another program
          }
          const server = res.headers.server ? `, server "${res.headers.server}"` : '';
          resolve({
            kind: 'other',
            detail: `it answered HTTP ${res.statusCode}${server} to /api/health`,
            certificate,
          });
        });
      },
    );
    req.on('socket', (socket) =>
      socket.on(
        'secureConnect',
        () => (certificate = (socket as TLSSocket).getPeerX509Certificate() ?? null),
      ),
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED')
        resolve({ kind: 'nothing', detail: `nothing listens on port ${port}` });
      else
        resolve({
          kind: 'other',
          detail: `it accepted the connection but does not speak HTTPS as LocalScribe does (${err.code ?? err.message})`,
          certificate,
        });
    });
  });
}

/**
 * Probes until the LocalScribe engine answers on `port` or `timeoutMs` passes (a service just started needs a moment
 * to listen); resolves with the last probe.
 */
export async function waitForEngine(port: number, timeoutMs: number, everyMs = 500): Promise<Probe> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = await probeEngine(port);
    if (probe.kind !== 'nothing' || Date.now() + everyMs > deadline) return probe;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
