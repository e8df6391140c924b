/**
 * The Windows logon task: its XML is valid against the Task Scheduler schema as Microsoft documents it (a subset
 * transcribed into test/fixtures/task-scheduler-schema), is written as UTF-16 like Task Scheduler's own exports,
 * says what the product needs (logon trigger for this user, interactive token, no time limit, restart on failure,
 * on battery too), and the PowerShell line it runs quotes every path; plus the exact schtasks commands.
 */
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import {
  scheduledTask,
  taskArguments,
  taskXml,
  TASK_NAME,
} from '../../../../localhost-engine/install/service/scheduled-task';
import { validateXml } from '../../../helpers/validate-xml';
import { windowsSpec } from './service-spec-fixture';

const SCHEMA = path.join(__dirname, '..', '..', '..', 'fixtures', 'task-scheduler-schema', 'task-subset.xsd');
const NS = 'http://schemas.microsoft.com/windows/2004/02/mit/task';

const utf16 = (xml: string) => Buffer.from(`\ufeff${xml}`, 'utf16le');

function text(doc: Document, tag: string): string[] {
  return Array.from(doc.getElementsByTagNameNS(NS, tag)).map((e) => e.textContent ?? '');
}

describe('the scheduled task', () => {
  const spec = windowsSpec();
  const [file] = scheduledTask.files(spec);
  const doc = new DOMParser().parseFromString(file.content, 'text/xml') as unknown as Document;

  test('is one UTF-16 file in the data folder, valid against the documented schema', () => {
    expect(scheduledTask.files(spec)).toHaveLength(1);
    expect(file).toMatchObject({
      encoding: 'utf16le',
      path: path.join(spec.dataDir, 'service', 'localscribe-task.xml'),
    });
    expect(file.content.startsWith('<?xml version="1.0" encoding="UTF-16"?>')).toBe(true);
    expect(validateXml(utf16(file.content), SCHEMA)).toEqual({ valid: true, errors: [] });
  });

  test('the schema subset has teeth: a restart interval under a minute and an unknown logon type fail', () => {
    const short = file.content.replace('<Interval>PT1M</Interval>', '<Interval>PT30S</Interval>');
    expect(validateXml(utf16(short), SCHEMA).errors.join('\n')).toContain("'PT30S' is less than the minimum");
    const wrong = file.content.replace('InteractiveToken', 'Interactive');
    expect(validateXml(utf16(wrong), SCHEMA).errors.join('\n')).toContain(
      "'Interactive' is not an element of the set",
    );
    const orphan = file.content.replace('<Actions Context="Author">', '<Actions Context="Nobody">');
    expect(validateXml(utf16(orphan), SCHEMA).errors.join('\n')).toContain('ContextKeyRef');
  });

  test('starts at this user’s logon, in their session, without a time limit, on battery, restarting on failure', () => {
    expect(text(doc, 'UserId')).toEqual(['R&D\\sean', 'R&D\\sean']);
    expect(text(doc, 'LogonType')).toEqual(['InteractiveToken']);
    expect(text(doc, 'RunLevel')).toEqual(['LeastPrivilege']);
    expect(doc.getElementsByTagNameNS(NS, 'LogonTrigger')).toHaveLength(1);
    expect(text(doc, 'ExecutionTimeLimit')).toEqual(['PT0S']);
    expect(text(doc, 'DisallowStartIfOnBatteries')).toEqual(['false']);
    expect(text(doc, 'StopIfGoingOnBatteries')).toEqual(['false']);
    expect(text(doc, 'Interval')).toEqual(['PT1M']);
    expect(text(doc, 'Count')).toEqual(['10']);
    expect(text(doc, 'MultipleInstancesPolicy')).toEqual(['IgnoreNew']);
  });

  test('runs Node.js through PowerShell with a hidden window, every path quoted, and passes on its exit code', () => {
    expect(text(doc, 'Command')).toEqual(['C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\powershell.exe']);
    expect(text(doc, 'Arguments')).toEqual([taskArguments(spec)]);
    expect(taskArguments(spec)).toBe(
      '-NoProfile -NonInteractive -WindowStyle Hidden -Command "' +
        "$env:LOCALSCRIBE_HOME = 'C:\\Users\\Sean O''Neil\\AppData\\Local\\LocalScribe'; " +
        "& 'C:\\Program Files\\nodejs\\node.exe' " +
        "'C:\\Users\\Sean O''Neil\\AppData\\Roaming\\npm\\node_modules\\localscribe\\bin\\localscribe.js' " +
        "'serve' '--log-file' 'C:\\Users\\Sean O''Neil\\AppData\\Local\\LocalScribe\\logs\\engine.log'; " +
        'exit $LASTEXITCODE"',
    );
    expect(text(doc, 'WorkingDirectory')).toEqual([spec.dataDir]);
    expect(taskXml(spec)).toContain('<UserId>R&amp;D\\sean</UserId>');
  });

  test('is registered, started, stopped and queried with these commands', () => {
    const xml = path.join(spec.dataDir, 'service', 'localscribe-task.xml');
    expect(scheduledTask.installCommands(spec)).toEqual([
      { command: 'schtasks', args: ['/Create', '/TN', TASK_NAME, '/XML', xml, '/F'] },
      { command: 'schtasks', args: ['/Run', '/TN', TASK_NAME] },
    ]);
    expect(scheduledTask.uninstallCommands(spec)).toEqual([
      { command: 'schtasks', args: ['/End', '/TN', TASK_NAME], mayFail: true },
      { command: 'schtasks', args: ['/Delete', '/TN', TASK_NAME, '/F'], mayFail: true },
    ]);
    expect(scheduledTask.statusCommand(spec).args.at(-1)).toBe(
      "(Get-ScheduledTask -TaskName 'LocalScribe' -ErrorAction Stop).State",
    );
    expect(scheduledTask.parseStatus({ status: 0, stdout: 'Running\r\n', stderr: '' }).state).toBe('running');
    expect(scheduledTask.parseStatus({ status: 0, stdout: 'Ready\r\n', stderr: '' })).toEqual({
      state: 'stopped',
      detail: 'task state Ready',
    });
    expect(
      scheduledTask.parseStatus({ status: 1, stdout: '', stderr: 'No MSFT_ScheduledTask objects found' })
        .state,
    ).toBe('not-installed');
  });
});
