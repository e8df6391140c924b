/**
 * macOS: a per-user LaunchAgent (launchd.plist(5)) in ~/Library/LaunchAgents: loaded into the user's GUI domain at
 * login, started at load (`RunAtLoad`), restarted when it exits with an error (`KeepAlive` with `SuccessfulExit`
 * false), at most every 10 s (`ThrottleInterval`).
 */
import path from 'node:path';
import { type ServiceAdapter, type ServiceSpec, xmlText } from './service-adapter';

export const AGENT_LABEL = 'com.localscribe.engine';

function plistPath(spec: ServiceSpec): string {
  return path.join(spec.home, 'Library', 'LaunchAgents', `${AGENT_LABEL}.plist`);
}

/** What the process prints outside the engine's log (a crash before logging starts). */
function stderrPath(spec: ServiceSpec): string {
  return path.join(path.dirname(spec.logFile), 'launchd-stderr.log');
}

/** The plist's text. */
export function agentPlist(spec: ServiceSpec): string {
  const strings = (values: string[]) => values.map((v) => `    <string>${xmlText(v)}</string>`);
  const environment = Object.entries(spec.environment).flatMap(([k, v]) => [
    `    <key>${xmlText(k)}</key>`,
    `    <string>${xmlText(v)}</string>`,
  ]);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  <string>${AGENT_LABEL}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...strings([spec.nodePath, spec.binScript, ...spec.args]),
    '  </array>',
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    ...environment,
    '  </dict>',
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key>',
    '  <integer>10</integer>',
    '  <key>StandardErrorPath</key>',
    `  <string>${xmlText(stderrPath(spec))}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

const domain = (spec: ServiceSpec) => `gui/${spec.uid ?? 0}`;

export const launchAgent: ServiceAdapter = {
  description: `LaunchAgent ${AGENT_LABEL}`,
  files: (spec) => [{ path: plistPath(spec), content: agentPlist(spec), encoding: 'utf8' }],
  installCommands: (spec) => [{ command: 'launchctl', args: ['bootstrap', domain(spec), plistPath(spec)] }],
  uninstallCommands: (spec) => [
    { command: 'launchctl', args: ['bootout', `${domain(spec)}/${AGENT_LABEL}`], mayFail: true },
  ],
  afterRemoveCommands: () => [],
  statusCommand: (spec) => ({ command: 'launchctl', args: ['print', `${domain(spec)}/${AGENT_LABEL}`] }),
  parseStatus(result) {
    // launchctl print exits 113 ("Could not find service") for a label that is not loaded.
    if (result.status !== 0) return { state: 'not-installed', detail: `${AGENT_LABEL} is not loaded` };
    const field = (name: string) => result.stdout.match(new RegExp(`^\\s*${name} = (.*)$`, 'm'))?.[1]?.trim();
    const detail = `state ${field('state') ?? '?'}, pid ${field('pid') ?? 'none'}, last exit code ${field('last exit code') ?? '?'}`;
    return { state: field('state') === 'running' ? 'running' : 'stopped', detail };
  },
  platformLogHint: (spec) => stderrPath(spec),
};
