/**
 * Waiting for a service that was just started: the probe returns as soon as the engine answers, and gives up with
 * "nothing" at its deadline.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { waitForEngine } from '../../../../localhost-engine/install/doctor/engine-probe';
import { startEngine } from '../../../../localhost-engine/server';
import { ensureGeneratedModel } from '../../../../models/ensure-generated-model';
import { testCertificate, testEngineConfig } from '../../../helpers/test-engine';

/** A port nothing listens on now (taken and given back by the system). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('returns once an engine starting meanwhile answers', async () => {
  const port = await freePort();
  const model = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
  const waiting = waitForEngine(port, 30_000, 50);
  const engine = await startEngine(testEngineConfig(model, { port }), {
    tls: await testCertificate(),
    logger: false,
  });
  try {
    expect((await waiting).kind).toBe('localscribe');
  } finally {
    await engine.close();
  }
});

test('gives up at its deadline when nothing answers', async () => {
  const started = Date.now();
  expect((await waitForEngine(await freePort(), 300, 50)).kind).toBe('nothing');
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
});
