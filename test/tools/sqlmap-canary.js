'use strict';
/**
 * A DELIBERATELY INJECTABLE HTTP server, used only by test/tools/sqlmap.sh to prove that its
 * sqlmap run and the parsing of sqlmap's output do detect an injection (a scanner wrapper that
 * can never fail proves nothing). Never part of the app.
 *
 *   node test/tools/sqlmap-canary.js PORT     (listens on 127.0.0.1 only; prints "ready")
 *
 * GET /canary?name=... builds its SQL by string concatenation against an in-process PGlite
 * database, and answers with the matching rows or, on an SQL error, a generic 500 without the
 * error text (like a careful app would), so sqlmap has to find it by inference, not by a leak.
 */
const http = require('node:http');
const { PGlite } = require('@electric-sql/pglite');

async function main() {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port < 1) throw new Error('usage: sqlmap-canary.js PORT');
  const db = new PGlite();
  await db.exec(`
    CREATE TABLE stations (id int PRIMARY KEY, name text NOT NULL);
    INSERT INTO stations VALUES (1, 'Tegel'), (2, 'Dahlem'), (3, 'Potsdam');
  `);

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname !== '/canary') {
      res.writeHead(404).end();
      return;
    }
    const name = url.searchParams.get('name') ?? '';
    try {
      // The bug on purpose: user input concatenated into SQL.
      const result = await db.query(`SELECT id, name FROM stations WHERE name = '${name}'`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: result.rows }));
    } catch {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"internal"}');
    }
  });
  server.listen(port, '127.0.0.1', () => console.log('ready'));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
