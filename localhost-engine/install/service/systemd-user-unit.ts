/**
 * Linux: a `systemd --user` unit (systemd.service(5)): started when the user's session starts (`WantedBy=
 * default.target`), restarted when it fails (`Restart=on-failure`), stopped at logout like the user's other services.
 */
import path from 'node:path';
import type { ServiceAdapter, ServiceSpec } from './service-adapter';

export const UNIT_NAME = 'localscribe.service';

/** One word of ExecStart= or Environment=: quoted, with systemd's specifier (%) and variable ($) signs escaped. */
export function systemdQuote(word: string): string {
  const escaped = word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return `"${escaped}"`;
}

function unitPath(spec: ServiceSpec): string {
  const config = spec.env.XDG_CONFIG_HOME || path.join(spec.home, '.config');
  return path.join(config, 'systemd', 'user', UNIT_NAME);
}

/** The unit file's text. */
export function unitFile(spec: ServiceSpec): string {
  const exec = [spec.nodePath, spec.binScript, ...spec.args].map(systemdQuote).join(' ');
  const environment = Object.entries(spec.environment).map(
    ([k, v]) => `Environment=${systemdQuote(`${k}=${v}`)}`,
  );
  return [
    '# Written by `localscribe setup`; `localscribe uninstall` removes it.',
    '[Unit]',
    'Description=LocalScribe engine for Word (summaries written on this computer)',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    ...environment,
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

export const systemdUserUnit: ServiceAdapter = {
  description: `systemd user unit ${UNIT_NAME}`,
  files: (spec) => [{ path: unitPath(spec), content: unitFile(spec), encoding: 'utf8' }],
  installCommands: () => [
    { command: 'systemctl', args: ['--user', 'daemon-reload'] },
    { command: 'systemctl', args: ['--user', 'enable', '--now', UNIT_NAME] },
  ],
  uninstallCommands: () => [
    { command: 'systemctl', args: ['--user', 'disable', '--now', UNIT_NAME], mayFail: true },
  ],
  afterRemoveCommands: () => [{ command: 'systemctl', args: ['--user', 'daemon-reload'], mayFail: true }],
  statusCommand: () => ({
    command: 'systemctl',
    args: ['--user', 'show', UNIT_NAME, '--property=LoadState,ActiveState,SubState,Result,NRestarts'],
  }),
  parseStatus(result) {
    if (result.status !== 0) {
      return { state: 'unknown', detail: (result.stderr || result.error || 'systemctl failed').trim() };
    }
    const props = Object.fromEntries(
      result.stdout
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
    );
    const detail = `${props.ActiveState ?? '?'} (${props.SubState ?? '?'}), result ${props.Result ?? '?'}, restarted ${props.NRestarts ?? '0'} times`;
    if (props.LoadState === 'not-found')
      return { state: 'not-installed', detail: `${UNIT_NAME} is not installed` };
    if (props.ActiveState === 'active' && props.SubState === 'running') return { state: 'running', detail };
    return { state: 'stopped', detail };
  },
  platformLogHint: () => `journalctl --user -u ${UNIT_NAME}`,
};
