// Validates an XML file against an XML Schema (.xsd) or a DTD (.dtd) with libxml2 (WebAssembly), offline. Runs as
// its own Node process because libxml2-wasm is an ES module that Jest's CommonJS runtime cannot load.
// Usage: node validate-xml-child.mjs <file.xml> <schema.xsd|schema.dtd>; prints {"valid":bool,"errors":[…]} as JSON.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { DtdValidator, XmlDocument, XmlDtd, XsdValidator } from 'libxml2-wasm';
import { xmlRegisterFsInputProviders } from 'libxml2-wasm/lib/nodejs.mjs';

// Lets libxml2 read the schemas the root schema imports from beside it.
xmlRegisterFsInputProviders();
const [file, schema] = process.argv.slice(2);
const isDtd = schema.endsWith('.dtd');
const schemaDoc = isDtd ? null : XmlDocument.fromBuffer(readFileSync(schema), { url: schema });
const dtd = isDtd ? XmlDtd.fromBuffer(readFileSync(schema)) : null;
const validator = isDtd ? new DtdValidator(dtd) : XsdValidator.fromDoc(schemaDoc);
let doc;
let result;
try {
  doc = XmlDocument.fromBuffer(readFileSync(file), { url: file });
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
  doc?.dispose();
  validator.dispose();
  schemaDoc?.dispose();
}
process.stdout.write(JSON.stringify(result));
