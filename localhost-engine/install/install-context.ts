/**
 * What setup, uninstall, the service and the doctor need to know about the machine, in one object: the platform,
 * the user's folders, the programs that run LocalScribe, and how to run the operating system's tools.
 */
import os from 'node:os';
import { userDataDir } from '../paths';
import { BIN_SCRIPT, PACKAGE_ROOT } from '../package-files';
import { runCommand, type RunCommand } from './command-runner';

export interface InstallContext {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** The user's home folder. */
  home: string;
  /** LocalScribe's per-user data folder (models, logs, the record of what setup created). */
  dataDir: string;
  /** The user's account name (Windows: DOMAIN\user), for the scheduled task's principal. */
  userName: string;
  /** The user's numeric id on macOS and Linux (launchd's `gui/UID` domain); null on Windows. */
  uid: number | null;
  /** The Node.js binary and the `localscribe` script the login service starts. */
  nodePath: string;
  binScript: string;
  /** The installed package (manifest.xml, dist/, assets/). */
  packageRoot: string;
  run: RunCommand;
}

/** The context of this process: its platform, environment, user and the package it runs from. */
export function currentInstallContext(env: NodeJS.ProcessEnv = process.env): InstallContext {
  const user = os.userInfo();
  const domain = env.USERDOMAIN;
  return {
    platform: process.platform,
    env,
    home: env.HOME ?? env.USERPROFILE ?? os.homedir(),
    dataDir: userDataDir(env),
    userName: process.platform === 'win32' && domain ? `${domain}\\${user.username}` : user.username,
    uid: process.platform === 'win32' ? null : user.uid,
    nodePath: process.execPath,
    binScript: BIN_SCRIPT,
    packageRoot: PACKAGE_ROOT,
    run: runCommand,
  };
}
