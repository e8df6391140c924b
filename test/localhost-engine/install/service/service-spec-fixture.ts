/**
 * A service spec for the adapters' tests, on the platform's paths, with the characters each format must escape:
 * spaces, an apostrophe, `&`, `%` and `$` in the user's folders.
 */
import path from 'node:path';
import type { ServiceSpec } from '../../../../localhost-engine/install/service/service-adapter';

export function windowsSpec(): ServiceSpec {
  const data = "C:\\Users\\Sean O'Neil\\AppData\\Local\\LocalScribe";
  return {
    nodePath: 'C:\\Program Files\\nodejs\\node.exe',
    binScript:
      "C:\\Users\\Sean O'Neil\\AppData\\Roaming\\npm\\node_modules\\localscribe\\bin\\localscribe.js",
    args: ['serve', '--log-file', `${data}\\logs\\engine.log`],
    dataDir: data,
    logFile: `${data}\\logs\\engine.log`,
    home: "C:\\Users\\Sean O'Neil",
    userName: 'R&D\\sean',
    uid: null,
    environment: { LOCALSCRIBE_HOME: data },
    env: { SystemRoot: 'C:\\WINDOWS' },
  };
}

export function posixSpec(home: string, nodePath: string, binScript: string): ServiceSpec {
  const data = path.join(home, 'Application Support', 'Local & Scribe 100%$HOME');
  const logFile = path.join(data, 'logs', 'engine.log');
  return {
    nodePath,
    binScript,
    args: ['serve', '--log-file', logFile],
    dataDir: data,
    logFile,
    home,
    userName: 'alex',
    uid: 501,
    environment: { LOCALSCRIBE_HOME: data },
    env: {},
  };
}
