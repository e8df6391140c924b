/**
 * The guide's "Localhost security", probed on a real HTTPS listener: DNS rebinding (foreign Host), cross-site
 * requests (foreign Origin, CORS preflight, "simple" POSTs), reachability from the network, path- or URL-like
 * input, and path traversal against the static file routes. A fake summarizer stands in for the model: none of
 * this is about inference.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEngine } from '../../localhost-engine/server';
import { request, startTestEngine, testCertificate, type TestEngine } from '../helpers/test-engine';
import { FakeSummarizer } from './fake-summarizer';
import { rawRequest } from './raw-tls';

const BODY = JSON.stringify({ text: 'A short document.' });
const JSON_TYPE = { 'content-type': 'application/json' };
/** Written outside the served folders; no response may ever contain it. */
const SECRET = 'SECRET-OUTSIDE-THE-SERVED-FOLDERS';

/** `tmp/package.json` and `tmp/web/package.json` hold the secret; the engine serves `tmp/web/pane` and `tmp/web/assets`. */
function servedFolders(): { paneDir: string; assetsDir: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ls-static-'));
  const web = path.join(root, 'web');
  const paneDir = path.join(web, 'pane');
  const assetsDir = path.join(web, 'assets');
  mkdirSync(paneDir, { recursive: true });
  mkdirSync(assetsDir, { recursive: true });
  writeFileSync(path.join(root, 'package.json'), `{"secret":"${SECRET}"}`);
  writeFileSync(path.join(web, 'package.json'), `{"secret":"${SECRET}"}`);
  writeFileSync(path.join(paneDir, 'taskpane.html'), '<!doctype html><title>pane</title>');
  writeFileSync(path.join(assetsDir, 'icon.txt'), 'an asset');
  return { paneDir, assetsDir };
}

function expectNoCors(headers: Record<string, unknown>): void {
  for (const name of Object.keys(headers)) expect(name).not.toMatch(/^access-control-/);
}

describe('localhost security probes', () => {
  let engine: TestEngine;
  let port: number;

  beforeAll(async () => {
    engine = await startTestEngine('/nonexistent-model', {
      summarizer: new FakeSummarizer(),
      ...servedFolders(),
    });
    port = engine.port;
  });
  afterAll(async () => engine.close());

  describe('Host (DNS rebinding)', () => {
    it.each([['localhost:PORT'], ['LOCALHOST:PORT'], ['LocalHost:PORT'], ['127.0.0.1:PORT'], ['[::1]:PORT']])(
      'accepts its own loopback name %s (host names are case-insensitive)',
      async (host) => {
        const res = await request(engine, {
          path: '/api/health',
          headers: { host: host.replace('PORT', String(port)) },
        });
        expect(res.status).toBe(200);
        expectNoCors(res.headers);
      },
    );

    it.each([
      ['localhost:OTHERPORT'],
      ['127.0.0.1:OTHERPORT'],
      ['[::1]:OTHERPORT'],
      ['localhost'],
      ['127.0.0.1'],
      ['[::1]'],
      ['127.0.0.2:PORT'],
      ['127.1:PORT'],
      ['2130706433:PORT'],
      ['0.0.0.0:PORT'],
      ['[::ffff:127.0.0.1]:PORT'],
      ['[0:0:0:0:0:0:0:1]:PORT'],
      ['[::1%251]:PORT'],
      ['::1:PORT'],
      ['localhost:PORT.evil.com'],
      ['localhost.:PORT'],
      ['localhost.evil.com:PORT'],
      ['evil.com:PORT'],
      ['user@localhost:PORT'],
      ['localhost:0PORT'],
      ['localhost:PORT:PORT'],
      ['localhost:+PORT'],
    ])('answers 403 to Host %s, for the API and the pane alike', async (pattern) => {
      const host = pattern
        .replace('OTHERPORT', String(port === 65535 ? 1 : port + 1))
        .replace(/PORT/g, String(port));
      for (const probe of [
        { path: '/api/health' },
        { path: '/' },
        { path: '/api/summarize', method: 'POST', body: BODY, headers: JSON_TYPE },
      ]) {
        const res = await request(engine, { ...probe, headers: { ...probe.headers, host } });
        expect({ host, path: probe.path, status: res.status }).toEqual({
          host,
          path: probe.path,
          status: 403,
        });
        expect(JSON.parse(res.body).code).toBe('forbidden');
        expectNoCors(res.headers);
      }
    });

    it('refuses a request without a Host header (raw TLS: HTTP/1.1 gets 400 from Node, HTTP/1.0 403)', async () => {
      const http11 = await rawRequest(engine, 'GET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n');
      expect(http11.status).toBe(400);
      const http10 = await rawRequest(engine, 'GET /api/health HTTP/1.0\r\n\r\n');
      expect(http10.status).toBe(403);
      expect(http10.response).toMatch(/"code":"forbidden"/);
      const empty = await rawRequest(
        engine,
        'GET /api/health HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n',
      );
      expect(empty.status).toBe(403);
    });

    it('judges a request with two Host headers by the first, and refuses a foreign first one', async () => {
      const res = await rawRequest(
        engine,
        `GET /api/health HTTP/1.1\r\nHost: evil.example\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`,
      );
      expect([400, 403]).toContain(res.status);
    });
  });

  describe('Origin and CORS', () => {
    const foreignOrigins = (p: number): string[] => [
      'https://evil.example',
      'null',
      '',
      `http://localhost:${p}`,
      `https://localhost:${p + 1}`,
      'https://localhost',
      `https://localhost:${p}.evil.example`,
      `https://127.0.0.2:${p}`,
      `https://[::1]:${p + 1}`,
      `https://evil.example:${p}`,
      'file://',
      'chrome-extension://abcdefghijklmnop',
    ];

    it('answers 403 to a foreign Origin on every route and sends no CORS header', async () => {
      for (const origin of foreignOrigins(port)) {
        for (const probe of [
          { path: '/api/health' },
          { path: '/' },
          { path: '/api/summarize', method: 'POST', body: BODY, headers: JSON_TYPE },
        ]) {
          const res = await request(engine, { ...probe, headers: { ...probe.headers, origin } });
          expect({ origin, path: probe.path, status: res.status }).toEqual({
            origin,
            path: probe.path,
            status: 403,
          });
          expectNoCors(res.headers);
        }
      }
    });

    it('gives a CORS preflight from a foreign origin no permissive header', async () => {
      for (const origin of foreignOrigins(port)) {
        for (const p of ['/api/summarize', '/api/health', '/']) {
          const res = await request(engine, {
            method: 'OPTIONS',
            path: p,
            headers: {
              origin,
              'access-control-request-method': 'POST',
              'access-control-request-headers': 'content-type',
              'access-control-request-private-network': 'true',
            },
          });
          expect(res.status).toBeGreaterThanOrEqual(400);
          expectNoCors(res.headers);
        }
      }
    });

    it('sends no CORS header to its own origin either (one origin: none is needed)', async () => {
      const res = await request(engine, {
        method: 'OPTIONS',
        path: '/api/summarize',
        headers: { origin: `https://localhost:${port}`, 'access-control-request-method': 'POST' },
      });
      expectNoCors(res.headers);
    });

    it.each([
      ['text/plain'],
      ['text/plain; charset=utf-8'],
      ['application/x-www-form-urlencoded'],
      ['multipart/form-data; boundary=x'],
      ['text/plain; application/json'],
      ['application/json-patch+json'],
      ['application/jsonp'],
    ])('answers 415 to a "simple" POST as %s, and 403 when it carries a foreign Origin', async (type) => {
      const res = await request(engine, {
        method: 'POST',
        path: '/api/summarize',
        headers: { 'content-type': type },
        body: BODY,
      });
      expect(res.status).toBe(415);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'unsupported_media_type' });
      const crossSite = await request(engine, {
        method: 'POST',
        path: '/api/summarize',
        headers: { 'content-type': type, origin: 'https://evil.example' },
        body: BODY,
      });
      expect(crossSite.status).toBe(403);
      expectNoCors(crossSite.headers);
    });

    it('answers 415 to a POST without Content-Type', async () => {
      const res = await rawRequest(
        engine,
        `POST /api/summarize HTTP/1.1\r\nHost: localhost:${port}\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\nConnection: close\r\n\r\n${BODY}`,
      );
      expect(res.status).toBe(415);
    });
  });

  describe('path- and URL-like input', () => {
    it.each([
      ['/api/health?model=../../x'],
      ['/api/health?url=https%3A%2F%2Fevil.example%2Fm.onnx'],
      ['/api/health?path=C:%5CWindows%5Csystem32'],
      ['/api/health?..%2f..%2fpackage.json'],
    ])('answers 400 naming the query string to GET %s', async (p) => {
      const res = await request(engine, { path: p });
      expect(res.status).toBe(400);
      const body = JSON.parse(res.body);
      expect(body.code).toBe('invalid_request');
      expect(body.message).toMatch(/^querystring/);
    });

    it.each([
      ['/api/summarize?model=../../etc/passwd'],
      ['/api/summarize?modelDir=%2Ftmp%2Fevil'],
      ['/api/summarize?source=https://evil.example/model.onnx'],
    ])('answers 400 to POST %s even with a valid body', async (p) => {
      const res = await request(engine, { method: 'POST', path: p, headers: JSON_TYPE, body: BODY });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).message).toMatch(/^querystring/);
    });

    it.each([
      ['a model path', { text: 'Hi', model: '../../x' }, /^body/],
      ['a model directory', { text: 'Hi', modelDir: 'C:\\Windows\\System32' }, /^body/],
      ['a download URL', { text: 'Hi', url: 'https://evil.example/model.onnx' }, /^body/],
      ['a model in the options', { text: 'Hi', options: { model: '../x' } }, /^body\/options/],
      [
        'a file source in the document',
        { document: { paragraphs: [{ text: 'a' }], source: 'file:///etc/passwd' } },
        /^body\/document/,
      ],
      [
        'a link on a paragraph',
        { document: { paragraphs: [{ text: 'a', href: 'file:///etc/passwd' }] } },
        /^body\/document\/paragraphs\/0/,
      ],
    ])('answers 400 naming the field to a body with %s', async (_name, body, field) => {
      const res = await request(engine, {
        method: 'POST',
        path: '/api/summarize',
        headers: JSON_TYPE,
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      const parsed = JSON.parse(res.body);
      expect(parsed.code).toBe('invalid_request');
      expect(parsed.message).toMatch(field);
    });

    it('serves the pane and its assets (the probes below are refused for the right reason)', async () => {
      expect((await request(engine, { path: '/' })).body).toMatch(/<title>pane/);
      expect((await request(engine, { path: '/assets/icon.txt' })).body).toBe('an asset');
      // Office appends its host info to the pane's URL: static files keep accepting query strings.
      const withHostInfo = await request(engine, {
        path: '/taskpane.html?_host_Info=Word$Win32$16.01$en-US',
      });
      expect(withHostInfo.status).toBe(200);
    });

    it.each([
      ['/..%2fpackage.json'],
      ['/..%2f..%2fpackage.json'],
      ['/assets/..%2fpackage.json'],
      ['/assets/..%2f..%2fpackage.json'],
      ['/assets/..%2F..%2Fpackage.json'],
      ['/../package.json'],
      ['/../../package.json'],
      ['/assets/../../package.json'],
      ['/%2e%2e/package.json'],
      ['/%2e%2e/%2e%2e/package.json'],
      ['/assets/%2e%2e/%2e%2e/package.json'],
      ['/assets/.%2e/.%2e/package.json'],
      ['/..%5cpackage.json'],
      ['/assets/..%5c..%5cpackage.json'],
      ['/%252e%252e%252fpackage.json'],
      ['/assets/%252e%252e%252f%252e%252e%252fpackage.json'],
      ['/..%c0%afpackage.json'],
      ['/assets/..%c0%af..%c0%afpackage.json'],
      ['/api/../package.json'],
      ['/api/%2e%2e/%2e%2e/package.json'],
      ['//package.json'],
      ['/assets//..//..//package.json'],
      ['/%2fetc%2fpasswd'],
      ['/assets/%2fetc%2fpasswd'],
      ['/assets/..%00/package.json'],
      ['/..;/package.json'],
    ])('does not serve %s (nothing outside the served folders)', async (p) => {
      const res = await request(engine, { path: p });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body).not.toContain(SECRET);
      // A refusal is a JSON error with a code, never an internal error.
      expect(JSON.parse(res.body).code).not.toBe('internal_error');
    });
  });
});

/** Non-internal addresses of this machine, link-local IPv6 with its zone. */
function externalAddresses(): Array<{ address: string; family: string }> {
  const out: Array<{ address: string; family: string }> = [];
  for (const [name, list] of Object.entries(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      const linkLocal = a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80:');
      out.push({ address: linkLocal ? `${a.address}%${name}` : a.address, family: a.family });
    }
  }
  return out;
}

function connectOutcome(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('reachability from the network', () => {
  const engines: Array<{ name: string; port: number; close: () => Promise<void> }> = [];
  const addresses = externalAddresses();

  beforeAll(async () => {
    const tls = await testCertificate();
    // The product's default host ('localhost', see config.ts) and the explicit IPv4 loopback.
    for (const host of ['localhost', '127.0.0.1']) {
      const e = await startEngine(
        {
          port: 0,
          host,
          modelDir: '/nonexistent-model',
          device: 'cpu',
          kvCache: 'float16',
          certFile: null,
          keyFile: null,
          optimizedCopy: true,
        },
        { logger: false, tls, summarizer: new FakeSummarizer() },
      );
      engines.push({ name: host, port: e.port, close: e.close });
    }
  });
  afterAll(async () => Promise.all(engines.map((e) => e.close())));

  it('listens on loopback (the control: the port is open there)', async () => {
    for (const e of engines) {
      const outcomes = await Promise.all(['127.0.0.1', '::1'].map((h) => connectOutcome(h, e.port)));
      expect(outcomes).toContain('connected');
    }
  });

  if (addresses.length === 0) {
    it('has no non-loopback address on this machine to probe (nothing to refuse)', () => {
      expect(externalAddresses()).toEqual([]);
    });
  } else {
    it(`refuses connections on every non-loopback address (${addresses.map((a) => a.address).join(', ')})`, async () => {
      for (const e of engines) {
        for (const a of addresses) {
          const outcome = await connectOutcome(a.address, e.port);
          expect({ engine: e.name, address: a.address, outcome }).toEqual({
            engine: e.name,
            address: a.address,
            outcome: 'ECONNREFUSED',
          });
        }
      }
    });
  }
});
