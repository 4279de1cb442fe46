'use strict';
/**
 * Acknowledged vs stored, read from the database after the app has stopped: every 201 of the
 * mixed load must have its observation (by the instant only that write used) and its audit
 * record (by the request id the app answered with). On PostgreSQL the run's own database is
 * read; on PGlite the data directory the app flushed on shutdown is opened here.
 */
const { Client } = require('pg');

const ROWS_SQL = `
  SELECT (extract(epoch FROM observed_at) * 1000)::bigint::text AS ms
  FROM observations WHERE station_id = $1 AND observed_at >= $2 AND observed_at < $3`;
// The app's own ids (UUIDs); whatever else the record holds may change, these columns stay.
const AUDIT_SQL = `
  SELECT request_id FROM audit_log
  WHERE action = 'observations.ingested' AND outcome = 'success' AND request_id IS NOT NULL`;

async function readPostgres(url, params) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const rows = (await client.query(ROWS_SQL, params)).rows;
    const audit = (await client.query(AUDIT_SQL)).rows;
    return { rows, audit };
  } finally {
    await client.end();
  }
}

async function readPglite(dataDir, params) {
  const { PGlite } = require('@electric-sql/pglite');
  const { pgcrypto } = require('@electric-sql/pglite/contrib/pgcrypto');
  const db = await PGlite.create(dataDir, { extensions: { pgcrypto } });
  try {
    const rows = (await db.query(ROWS_SQL, params)).rows;
    const audit = (await db.query(AUDIT_SQL)).rows;
    return { rows, audit };
  } finally {
    await db.close();
  }
}

/**
 * The run's writes used the instants in [fromMs, untilMs), which nothing else uses.
 * Resolves with { storedRows, auditRecords, missingRows, missingAudit, unacknowledgedRows }:
 * unacknowledgedRows are writes stored without a 201 reaching the client (a timeout), which
 * is allowed; a missing row or record is a lost acknowledged write.
 */
async function countStored({ database, url, dataDir, stationPath, fromMs, untilMs, acknowledged }) {
  const stationId = stationPath.split('/').pop();
  const params = [stationId, new Date(fromMs).toISOString(), new Date(untilMs).toISOString()];
  const { rows, audit } =
    database === 'postgresql' ? await readPostgres(url, params) : await readPglite(dataDir, params);
  const storedInstants = new Set(rows.map((r) => r.ms));
  const auditedIds = new Set(audit.map((r) => r.request_id));
  const ackedInstants = new Set(acknowledged.map((a) => String(a.observedAtMs)));
  return {
    storedRows: rows.length,
    auditRecords: acknowledged.filter((a) => auditedIds.has(a.requestId)).length,
    missingRows: acknowledged.filter((a) => !storedInstants.has(String(a.observedAtMs))).length,
    missingAudit: acknowledged.filter((a) => !auditedIds.has(a.requestId)).length,
    unacknowledgedRows: rows.filter((r) => !ackedInstants.has(r.ms)).length,
  };
}

module.exports = { countStored };
