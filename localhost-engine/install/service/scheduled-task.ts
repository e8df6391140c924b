/**
 * Windows: a per-user scheduled task (Task Scheduler schema 1.2) that starts at the user's logon in their session
 * (`LogonTrigger`, `InteractiveToken`, no administrator rights), runs for as long as it likes (`ExecutionTimeLimit`
 * PT0S), on battery too, and is restarted when it fails (`RestartOnFailure`: every minute, up to 10 times).
 * Node.js is a console program, so the task starts it through PowerShell with a hidden window.
 */
import path from 'node:path';
import { type ServiceAdapter, type ServiceSpec, xmlText } from './service-adapter';

export const TASK_NAME = 'LocalScribe';

/** A PowerShell single-quoted string: quotes doubled, nothing else interpreted. */
function psQuote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function powershellPath(spec: ServiceSpec): string {
  return path.win32.join(
    spec.env.SystemRoot ?? 'C:\\Windows',
    'System32',
    'WindowsPowerShell',
    'v1.0',
    'powershell.exe',
  );
}

/** PowerShell's arguments: set the environment, run the engine, and exit with its exit code (the task's result). */
export function taskArguments(spec: ServiceSpec): string {
  const env = Object.entries(spec.environment).map(([k, v]) => `$env:${k} = ${psQuote(v)}; `);
  const run = `& ${[spec.nodePath, spec.binScript, ...spec.args].map(psQuote).join(' ')}`;
  return `-NoProfile -NonInteractive -WindowStyle Hidden -Command "${env.join('')}${run}; exit $LASTEXITCODE"`;
}

function taskFile(spec: ServiceSpec): string {
  return path.join(spec.dataDir, 'service', 'localscribe-task.xml');
}

/** The task's XML, as `schtasks /Create /XML` reads it (the file is written as UTF-16, as Task Scheduler exports). */
export function taskXml(spec: ServiceSpec): string {
  const user = xmlText(spec.userName);
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    '    <Author>LocalScribe</Author>',
    '    <Description>Starts the LocalScribe engine for Word at logon (summaries written on this computer). Written by localscribe setup; localscribe uninstall removes it.</Description>',
    `    <URI>\\${TASK_NAME}</URI>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <LogonTrigger>',
    '      <Enabled>true</Enabled>',
    `      <UserId>${user}</UserId>`,
    '    </LogonTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    `      <UserId>${user}</UserId>`,
    '      <LogonType>InteractiveToken</LogonType>',
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <AllowHardTerminate>true</AllowHardTerminate>',
    '    <StartWhenAvailable>false</StartWhenAvailable>',
    '    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>',
    '    <AllowStartOnDemand>true</AllowStartOnDemand>',
    '    <Enabled>true</Enabled>',
    '    <Hidden>false</Hidden>',
    '    <RunOnlyIfIdle>false</RunOnlyIfIdle>',
    '    <WakeToRun>false</WakeToRun>',
    '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
    '    <Priority>7</Priority>',
    '    <RestartOnFailure>',
    '      <Interval>PT1M</Interval>',
    '      <Count>10</Count>',
    '    </RestartOnFailure>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${xmlText(powershellPath(spec))}</Command>`,
    `      <Arguments>${xmlText(taskArguments(spec))}</Arguments>`,
    `      <WorkingDirectory>${xmlText(spec.dataDir)}</WorkingDirectory>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\r\n');
}

export const scheduledTask: ServiceAdapter = {
  description: `scheduled task ${TASK_NAME}`,
  files: (spec) => [{ path: taskFile(spec), content: taskXml(spec), encoding: 'utf16le' }],
  installCommands: (spec) => [
    { command: 'schtasks', args: ['/Create', '/TN', TASK_NAME, '/XML', taskFile(spec), '/F'] },
    { command: 'schtasks', args: ['/Run', '/TN', TASK_NAME] },
  ],
  uninstallCommands: () => [
    { command: 'schtasks', args: ['/End', '/TN', TASK_NAME], mayFail: true },
    { command: 'schtasks', args: ['/Delete', '/TN', TASK_NAME, '/F'], mayFail: true },
  ],
  afterRemoveCommands: () => [],
  // Get-ScheduledTask's State is the same word in every Windows language; schtasks /Query's table is translated.
  statusCommand: (spec) => ({
    command: powershellPath(spec),
    args: [
      '-NoProfile',
      '-NonInteractive',
      '-Command',
      `(Get-ScheduledTask -TaskName ${psQuote(TASK_NAME)} -ErrorAction Stop).State`,
    ],
  }),
  parseStatus(result) {
    if (result.status !== 0)
      return { state: 'not-installed', detail: `the task ${TASK_NAME} does not exist` };
    const state = result.stdout.trim();
    return { state: state === 'Running' ? 'running' : 'stopped', detail: `task state ${state || 'unknown'}` };
  },
  platformLogHint: () => `Task Scheduler > Task Scheduler Library > ${TASK_NAME} > History`,
};
