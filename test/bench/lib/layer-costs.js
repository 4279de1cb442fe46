'use strict';
/**
 * `npm run bench -- --layers`: hosts built from the layer modules (test/bench/layers/host.js),
 * each step adding one layer to the previous, on the same route. The difference in server CPU
 * per request between two steps is what that layer costs. The hosts run on the adapter
 * HTTP_ADAPTER names (Fastify by default), as the app does.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, stopServer } = require('./processes');

const STEPS = ['headers', 'validation', 'throttling', 'api-key', 'audit'];
const HOST = path.join(__dirname, '..', 'layers', 'host.js');

function adapterLabel() {
  return process.env.HTTP_ADAPTER === 'express' ? 'Express' : 'Fastify';
}

/** Starts one host per step; resolves with targets for bench.js and a close(). */
async function startLayerTargets() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-layers-'));
  const targets = [];
  const servers = [];
  try {
    for (let i = 0; i <= STEPS.length; i++) {
      const layers = STEPS.slice(0, i);
      const keyFile = path.join(dir, `key-${i}`);
      const server = await startServer({
        name: `host ${i}`,
        args: [HOST],
        cwd: dir,
        env: { BENCH_HOST_LAYERS: layers.join(','), BENCH_HOST_KEY_FILE: keyFile },
        readyPath: '/demo/hello',
        // With a key demanded, the host is ready once it has written the key it made.
        isReady: layers.includes('api-key') ? async () => fs.existsSync(keyFile) : undefined,
      });
      servers.push(server);
      const headers = layers.includes('api-key')
        ? { 'x-api-key': fs.readFileSync(keyFile, 'utf8') }
        : {};
      targets.push({
        name: i === 0 ? `bare Nest + ${adapterLabel()}` : `+ ${layers[layers.length - 1]}`,
        server,
        route: { path: '/demo/hello', headers },
        rounds: [],
      });
    }
  } catch (error) {
    for (const server of servers) await stopServer(server);
    throw error;
  }
  return {
    targets,
    close: async () => {
      for (const server of servers) await stopServer(server);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Adds each step's added CPU per request (its own minus the previous step's). */
function withAddedCost(rows) {
  return rows.map((row, i) => ({
    ...row,
    addedCpuUsPerRequest:
      i === 0 ||
      row.appCpuUsPerRequest === undefined ||
      rows[i - 1].appCpuUsPerRequest === undefined
        ? undefined
        : row.appCpuUsPerRequest - rows[i - 1].appCpuUsPerRequest,
  }));
}

module.exports = { adapterLabel, startLayerTargets, withAddedCost };
