'use strict';
/** A small HTTPS client for the cluster test: the proxy's test CA, keep-alive, a chosen source address. */
const http = require('node:http');
const https = require('node:https');

const agents = new Map();

function agentFor(url, { ca, localAddress }) {
  const key = `${url.protocol}|${localAddress ?? ''}`;
  if (!agents.has(key)) {
    const options = { keepAlive: true, maxSockets: 64, localAddress };
    agents.set(
      key,
      url.protocol === 'https:' ? new https.Agent({ ...options, ca }) : new http.Agent(options),
    );
  }
  return agents.get(key);
}

/**
 * One request; resolves with { status, headers, body (parsed JSON when it is JSON), ms } and never
 * rejects: a network error is status 0 with the error's code, so load loops can count it.
 */
function send(
  base,
  method,
  path,
  { headers = {}, body, ca, localAddress, timeoutMs = 10_000 } = {},
) {
  const url = new URL(path, base);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method,
        agent: agentFor(url, { ca, localAddress }),
        headers: {
          accept: 'application/json',
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': payload.length }
            : {}),
          ...headers,
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            /* not JSON: keep the text */
          }
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          resolve({ status: res.statusCode, headers: res.headers, body: parsed, ms });
        });
        res.on('error', (error) =>
          resolve({ status: 0, error: error.code ?? error.message, ms: 0 }),
        );
      },
    );
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (error) => resolve({ status: 0, error: error.code ?? error.message, ms: 0 }));
    req.end(payload);
  });
}

function closeAgents() {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

module.exports = { send, closeAgents };
