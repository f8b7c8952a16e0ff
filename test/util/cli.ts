/**
 * Running the built `lenet5` command in tests: a child Node on dist/cli/main.js, offline (the preload refuses
 * every non-loopback connection) and with its own empty cache folder, so no test reaches the network.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './data.js';

export const CLI = join(REPO_ROOT, 'dist/cli/main.js');
const OFFLINE = `--import=${pathToFileURL(join(REPO_ROOT, 'test/util/offline.mjs')).href}`;

/** What a run of the command left: its exit code and output. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of a command run in `cwd`: offline, with the cache folder `cwd/cache`. */
export function cliEnv(cwd: string): NodeJS.ProcessEnv {
  const NODE_OPTIONS = [process.env.NODE_OPTIONS, OFFLINE].filter(Boolean).join(' ');
  return { ...process.env, NODE_OPTIONS, LENET5_CACHE_DIR: join(cwd, 'cache') };
}

/** Runs `lenet5 ...args` in `cwd` (see cliEnv). */
export function runCli(cwd: string, args: string[]): Promise<CliRun> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: cliEnv(cwd), maxBuffer: 1 << 24 },
      (err, stdout, stderr) => done({ code: err ? (err.code as number) : 0, stdout, stderr }));
  });
}
