/**
 * The macOS LaunchAgent: valid against Apple's property list DTD, using only keys launchd.plist(5) documents with
 * the types it documents, and saying what the product needs (start at load, restart after a failing exit, not after
 * a clean one); plus the exact launchctl commands and how their answer is read.
 */
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { AGENT_LABEL, launchAgent } from '../../../../localhost-engine/install/service/launch-agent';
import { validateXml } from '../../../helpers/validate-xml';
import { posixSpec } from './service-spec-fixture';

const DTD = path.join(__dirname, '..', '..', '..', 'fixtures', 'apple-plist', 'PropertyList-1.0.dtd');

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

function read(node: Element): PlistValue {
  const children = Array.from(node.childNodes).filter((n): n is Element => n.nodeType === 1);
  switch (node.tagName) {
    case 'dict': {
      const out: Record<string, PlistValue> = {};
      for (let i = 0; i < children.length; i += 2) out[children[i].textContent ?? ''] = read(children[i + 1]);
      return out;
    }
    case 'array':
      return children.map(read);
    case 'integer':
      return Number(node.textContent);
    case 'true':
    case 'false':
      return node.tagName === 'true';
    default:
      return node.textContent ?? '';
  }
}

// launchd.plist(5): each key LocalScribe uses and the type the manual gives it.
const DOCUMENTED: Record<string, (v: PlistValue) => boolean> = {
  Label: (v) => typeof v === 'string',
  ProgramArguments: (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'),
  EnvironmentVariables: (v) =>
    typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string'),
  RunAtLoad: (v) => typeof v === 'boolean',
  KeepAlive: (v) => typeof v === 'boolean' || (typeof v === 'object' && !Array.isArray(v)),
  ThrottleInterval: (v) => Number.isInteger(v),
  StandardErrorPath: (v) => typeof v === 'string',
};

describe('the LaunchAgent', () => {
  const spec = posixSpec(
    '/Users/alex',
    '/opt/homebrew/bin/node',
    '/opt/homebrew/lib/node_modules/localscribe/bin/localscribe.js',
  );
  const [file] = launchAgent.files(spec);
  const plist = read(
    (
      new DOMParser().parseFromString(file.content, 'text/xml') as unknown as Document
    ).documentElement.getElementsByTagName('dict')[0],
  ) as Record<string, PlistValue>;

  test('is ~/Library/LaunchAgents/com.localscribe.engine.plist, valid against Apple’s plist DTD', () => {
    expect(file.path).toBe(`/Users/alex/Library/LaunchAgents/${AGENT_LABEL}.plist`);
    expect(validateXml(file.content, DTD)).toEqual({ valid: true, errors: [] });
    expect(validateXml(file.content.replace('<true/>', '<yes/>'), DTD).valid).toBe(false);
  });

  test('uses documented keys with their documented types', () => {
    for (const [key, value] of Object.entries(plist)) {
      expect({ key, known: key in DOCUMENTED }).toEqual({ key, known: true });
      expect({ key, typed: DOCUMENTED[key](value) }).toEqual({ key, typed: true });
    }
  });

  test('runs the engine at load and restarts it after a failure, with the data folder and paths intact', () => {
    expect(plist.Label).toBe(AGENT_LABEL);
    expect(plist.ProgramArguments).toEqual([
      spec.nodePath,
      spec.binScript,
      'serve',
      '--log-file',
      spec.logFile,
    ]);
    expect(spec.logFile).toContain('Local & Scribe 100%$HOME');
    expect(plist.EnvironmentVariables).toEqual({ LOCALSCRIBE_HOME: spec.dataDir });
    expect(plist.RunAtLoad).toBe(true);
    expect(plist.KeepAlive).toEqual({ SuccessfulExit: false });
    expect(plist.StandardErrorPath).toBe(path.join(path.dirname(spec.logFile), 'launchd-stderr.log'));
  });

  test('is loaded, unloaded and queried in the user’s GUI domain', () => {
    expect(launchAgent.installCommands(spec)).toEqual([
      { command: 'launchctl', args: ['bootstrap', 'gui/501', file.path] },
    ]);
    expect(launchAgent.uninstallCommands(spec)).toEqual([
      { command: 'launchctl', args: ['bootout', `gui/501/${AGENT_LABEL}`], mayFail: true },
    ]);
    expect(launchAgent.statusCommand(spec)).toEqual({
      command: 'launchctl',
      args: ['print', `gui/501/${AGENT_LABEL}`],
    });
    const printed = `gui/501/${AGENT_LABEL} = {\n\tactive count = 1\n\tpath = ${file.path}\n\tstate = running\n\n\tprogram = ${spec.nodePath}\n\tpid = 4242\n\tlast exit code = (never exited)\n}\n`;
    expect(launchAgent.parseStatus({ status: 0, stdout: printed, stderr: '' })).toEqual({
      state: 'running',
      detail: 'state running, pid 4242, last exit code (never exited)',
    });
    const notLoaded = {
      status: 113,
      stdout: '',
      stderr: `Bad request.\nCould not find service "${AGENT_LABEL}" in domain for user gui: 501\n`,
    };
    expect(launchAgent.parseStatus(notLoaded).state).toBe('not-installed');
  });
});
