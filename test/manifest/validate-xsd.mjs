// Validates an XML file against an XML Schema with libxml2 (WebAssembly), offline. Runs as its own Node process
// because libxml2-wasm is an ES module that Jest's CommonJS runtime cannot load.
// Usage: node validate-xsd.mjs <file.xml> <schema.xsd>; prints {"valid":bool,"errors":[…]} as JSON.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { XmlDocument, XsdValidator } from 'libxml2-wasm';
import { xmlRegisterFsInputProviders } from 'libxml2-wasm/lib/nodejs.mjs';

// Lets libxml2 read the schemas the root schema imports from beside it.
xmlRegisterFsInputProviders();
const [file, schema] = process.argv.slice(2);
const schemaDoc = XmlDocument.fromBuffer(readFileSync(schema), { url: schema });
const validator = XsdValidator.fromDoc(schemaDoc);
const doc = XmlDocument.fromBuffer(readFileSync(file), { url: file });
let result;
try {
  validator.validate(doc);
  result = { valid: true, errors: [] };
} catch (error) {
  const details = Array.isArray(error.details) ? error.details : [];
  result = {
    valid: false,
    errors: details.length
      ? details.map((d) => `line ${d.line}: ${d.message.trim()}`)
      : [String(error.message)],
  };
} finally {
  doc.dispose();
  validator.dispose();
  schemaDoc.dispose();
}
process.stdout.write(JSON.stringify(result));
