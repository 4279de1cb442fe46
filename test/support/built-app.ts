import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_HTTP_ADAPTER } from './http-adapter';

/** The built entry point: `npm test` builds first (pretest), so this is the code under test. */
export const BUILT_MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface StartOutcome {
  code: number | null;
  output: string;
}

/**
 * Runs the built app as a real child process with exactly `env` (plus PATH) and collects what it
 * prints. It resolves when the process exits, or when `until` matches the output so far (then
 * the process is sent SIGTERM and awaited). Bounded by `timeoutMs`: a hung start is killed.
 */
export function runBuiltApp(
  env: Record<string, string>,
  options: { until?: RegExp; timeoutMs?: number } = {},
): Promise<StartOutcome> {
  if (!existsSync(BUILT_MAIN)) {
    throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` (npm test does it first)`);
  }
  const child = spawn(process.execPath, [BUILT_MAIN], {
    // The adapter under test (HTTP_ADAPTER), unless the test sets its own.
    env: { PATH: process.env.PATH ?? '', HTTP_ADAPTER: TEST_HTTP_ADAPTER, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (options.until?.test(output)) child.kill('SIGTERM');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Non-empty lines of a process's output. */
export function linesOf(output: string): string[] {
  return output.split('\n').filter((line) => line.trim() !== '');
}
