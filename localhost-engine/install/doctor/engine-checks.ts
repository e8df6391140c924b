/**
 * Is the engine answering on the port Word will use, and if not, is that port free or taken by another program.
 */
import type { ServiceStatus } from '../service/service-adapter';
import type { CheckResult } from './doctor-check';
import type { Probe } from './engine-probe';

const START =
  'Start it: `localscribe service install` (it then starts at every login), or `localscribe serve` in a terminal.';

/** The engine check: LocalScribe answers on https://localhost:PORT. */
export function engineCheck(port: number, probe: Probe): CheckResult {
  const title = `The engine answers on https://localhost:${port}`;
  if (probe.kind === 'localscribe') {
    const { version, model } = probe.health;
    return {
      id: 'engine',
      title,
      status: 'pass',
      detail: `LocalScribe ${version}; model ${model.id || '(none)'} ${model.state}.`,
    };
  }
  if (probe.kind === 'nothing')
    return { id: 'engine', title, status: 'fail', detail: `Nothing answers: ${probe.detail}.`, fix: START };
  return {
    id: 'engine',
    title,
    status: 'fail',
    detail: `Another program answers instead (see the port check).`,
    fix: START,
  };
}

/** The port check: free, or LocalScribe's, but not another program's. */
export function portCheck(port: number, probe: Probe): CheckResult {
  const title = `Port ${port} is not taken by another program`;
  if (probe.kind === 'localscribe')
    return { id: 'port', title, status: 'pass', detail: 'The LocalScribe engine listens on it.' };
  if (probe.kind === 'nothing')
    return {
      id: 'port',
      title,
      status: 'pass',
      detail: 'Nothing else uses it; the engine can listen there.',
    };
  return {
    id: 'port',
    title,
    status: 'fail',
    detail: `Port ${port} is taken by another program: ${probe.detail}.`,
    fix: `Stop that program, or give LocalScribe another port: set "port" in config.json in the data folder (or LOCALSCRIBE_PORT), then run \`localscribe setup\` so that Word's manifest names it too.`,
  };
}

/** The login service: installed and running (the usual reason the engine is not answering is that it is not). */
export function serviceCheck(status: ServiceStatus, description: string, logFile: string): CheckResult {
  const title = 'The engine starts at login';
  if (status.state === 'running')
    return { id: 'service', title, status: 'pass', detail: `The ${description} is running.` };
  if (status.state === 'not-installed') {
    return {
      id: 'service',
      title,
      status: 'warn',
      detail: `No login service: the engine runs only while a terminal runs it.`,
      fix: 'Run `localscribe service install`.',
    };
  }
  return {
    id: 'service',
    title,
    status: status.state === 'unknown' ? 'warn' : 'fail',
    detail: `The ${description} is installed but not running (${status.detail}).`,
    fix: `See why in \`localscribe service logs\` (${logFile}), then \`localscribe service install\` to restart it.`,
  };
}
