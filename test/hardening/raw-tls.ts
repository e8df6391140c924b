/**
 * A raw TLS client for what `https.request` will not send: requests without a Host header, duplicate headers, and
 * requests dribbled out one byte at a time.
 */
import tls from 'node:tls';
import type { TestEngine } from '../helpers/test-engine';

/** Opens a TLS connection to the engine (verified against the test CA) and resolves once the handshake is done. */
export function connectTls(engine: TestEngine): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port: engine.port, servername: 'localhost', ca: engine.ca },
      () => {
        socket.off('error', reject);
        resolve(socket);
      },
    );
    socket.once('error', reject);
  });
}

export interface RawExchange {
  /** Everything the server sent before the connection closed. */
  response: string;
  /** The status code of the first response line, or 0 when there was none. */
  status: number;
}

/** Sends `raw` at once and reads until the server closes the connection (send `Connection: close`). */
export async function rawRequest(engine: TestEngine, raw: string): Promise<RawExchange> {
  const socket = await connectTls(engine);
  return new Promise((resolve, reject) => {
    let response = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (response += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(response);
      resolve({ response, status: m ? Number(m[1]) : 0 });
    });
    socket.write(raw);
  });
}

export interface DribbleResult {
  /** How many bytes were written before the server closed the connection. */
  sent: number;
  /** Milliseconds from the first byte to the server closing the connection. */
  elapsedMs: number;
  response: string;
}

/**
 * Writes `prefix` at once, then `slow` one byte every `intervalMs`, and resolves when the server closes the
 * connection (the socket's `close` event, never a sleep). Rejects if every byte was sent and the server is still
 * waiting after `giveUpMs`, so a server that never times the client out fails the test instead of hanging it.
 */
export async function dribble(
  engine: TestEngine,
  prefix: string,
  slow: string,
  intervalMs: number,
  giveUpMs: number,
): Promise<DribbleResult> {
  const socket = await connectTls(engine);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let sent = 0;
    let response = '';
    const bytes = Buffer.from(slow);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (response += d));
    // A reset from the server also ends the connection: what matters is that the server ended it.
    socket.on('error', () => undefined);
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(
        new Error(`the server kept a dribbling connection open for ${giveUpMs} ms (${sent} bytes sent)`),
      );
    }, giveUpMs);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ sent, elapsedMs: Date.now() - started, response });
    });
    if (prefix) socket.write(prefix);
    const timer = setInterval(() => {
      if (sent >= bytes.length || socket.destroyed) return;
      socket.write(bytes.subarray(sent, sent + 1));
      sent += 1;
    }, intervalMs);
  });
}
