'use strict';
/** App instances of the cluster test: the built app (dist/), as production runs it, one process each. */
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { send } = require('./client');
const { stopChild, waitFor } = require('./servers');

const MAIN = join(__dirname, '..', '..', '..', 'dist', 'src', 'main.js');

class Instance {
  constructor(name, port, env) {
    this.name = name;
    this.port = port;
    this.env = env;
    this.base = `http://127.0.0.1:${port}`;
    this.output = '';
    this.child = undefined;
  }

  async start() {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build`);
    this.output = '';
    this.child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk) => {
      // The last 64 kB only: enough to explain a failure, bounded however long the run.
      this.output = (this.output + chunk.toString('utf8')).slice(-65_536);
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    await waitFor(
      `${this.name} ready`,
      async () => {
        if (this.child.exitCode !== null) throw new Error(`${this.name} exited:\n${this.output}`);
        return (await send(this.base, 'GET', '/health/ready')).status === 200;
      },
      60_000,
    ).catch((error) => {
      throw new Error(`${error.message}\n${this.output}`);
    });
  }

  /** SIGTERM: the graceful shutdown a rolling restart relies on. Resolves when the process is gone. */
  stop() {
    return stopChild(this.child, 'SIGTERM', 30_000);
  }

  /** kill -9: no shutdown at all. */
  kill() {
    return stopChild(this.child, 'SIGKILL');
  }
}

module.exports = { Instance };
