/**
 * XML validation against a schema or a DTD with libxml2, offline, in a child process (validate-xml-child.mjs says why).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Validation {
  valid: boolean;
  errors: string[];
}

/** Validates `xml` (text, or the bytes of a file in any encoding libxml2 detects) against an .xsd or a .dtd. */
export function validateXml(xml: string | Buffer, schema: string): Validation {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'validate-xml-')), 'document.xml');
  writeFileSync(file, xml);
  const out = execFileSync(process.execPath, [path.join(__dirname, 'validate-xml-child.mjs'), file, schema], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as Validation;
}
