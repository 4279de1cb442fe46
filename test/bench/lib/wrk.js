'use strict';
/**
 * One wrk run with a Lua script: the script is written to a private temporary directory (it
 * holds the run's credentials), and both the directory and wrk itself are cleaned up when the
 * run ends or the bench is interrupted (lib/cleanup.js).
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { track } = require('./cleanup');

/** Resolves with wrk's output (stdout and stderr); rejects if wrk exits non-zero. */
function runWrkScript(scriptText, wrkArgs, url) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-wrk-'));
  const script = path.join(dir, 'script.lua');
  fs.writeFileSync(script, scriptText, { mode: 0o600 });
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', [...wrkArgs, '-s', script, url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const cleanUp = track(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('error', (error) => void cleanUp().then(() => reject(error)));
    child.on('close', (code) => {
      void cleanUp().then(() => {
        if (code === 0) resolve(out);
        else reject(new Error(`wrk failed (exit ${code}): ${out.slice(-500)}`));
      });
    });
  });
}

module.exports = { runWrkScript };
