/**
 * The service's log file: it rotates before a line would pass the size limit, keeps the configured number of old
 * files, never splits a line, and continues an existing file after a restart.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RotatingFile } from '../../../localhost-engine/logging/rotating-file';

const line = (i: number) => `${JSON.stringify({ level: 30, msg: `line ${String(i).padStart(4, '0')}` })}\n`;

test('rotates at the limit, keeps `keep` old files, and loses only what falls off the end', () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rotating-')), 'logs', 'engine.log');
  const log = new RotatingFile(file, { maxBytes: 1000, keep: 2 });
  for (let i = 0; i < 100; i += 1) log.write(line(i));
  log.close();
  const files = [file, `${file}.1`, `${file}.2`];
  for (const f of files) expect(statSync(f).size).toBeLessThanOrEqual(1000);
  expect(existsSync(`${file}.3`)).toBe(false);
  const kept = [...files].reverse().flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
  // Whole lines only, in order, ending with the last one written.
  const numbers = kept.map((l) => Number((JSON.parse(l) as { msg: string }).msg.slice(5)));
  expect(numbers).toEqual(numbers.map((_, i) => numbers[0] + i));
  expect(numbers.at(-1)).toBe(99);
  expect(numbers.length).toBeGreaterThan(20);
});

test('a restarted engine appends to the file it left, and rotates counting what is already there', () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rotating-')), 'engine.log');
  const first = new RotatingFile(file, { maxBytes: 1000 });
  for (let i = 0; i < 10; i += 1) first.write(line(i));
  first.close();
  const size = statSync(file).size;
  const second = new RotatingFile(file, { maxBytes: 1000 });
  second.write(line(10));
  expect(statSync(file).size).toBe(size + line(10).length);
  while (!existsSync(`${file}.1`)) second.write(line(11));
  second.close();
  expect(readFileSync(`${file}.1`, 'utf8').startsWith(line(0))).toBe(true);
});
