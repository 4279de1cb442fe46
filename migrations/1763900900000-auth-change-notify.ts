import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every committed change to a row that authentication reads is announced on the `auth_changes`
 * channel (pg_notify, delivered at commit and only then), whoever wrote it: any app instance,
 * the key and session CLIs, an operator in psql. Each app instance drops what it cached from
 * that row (src/database/auth-changes/). The payload names the row: `user:<id>`,
 * `session:<id>`, `api_key:<key_id>`, `signing_key:<kid>`; `*` (a TRUNCATE) drops everything.
 *
 * No trigger on refresh_tokens: a request's authentication never reads them, and refresh reuse
 * ends the session row, which is announced. No trigger on INSERT: nothing is cached about a row
 * that did not exist (the cache keeps no "not found").
 */
export class AuthChangeNotify1763900900000 implements MigrationInterface {
  name = 'AuthChangeNotify1763900900000';

  async up(q: QueryRunner): Promise<void> {
    // TG_ARGV: the payload's kind, and the column that names the row in it.
    await q.query(`
      CREATE FUNCTION notify_auth_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'TRUNCATE' THEN
          PERFORM pg_notify('auth_changes', '*');
        ELSE
          PERFORM pg_notify('auth_changes', TG_ARGV[0] || ':' || (to_jsonb(OLD) ->> TG_ARGV[1]));
        END IF;
        RETURN NULL;
      END $$`);
    for (const [table, kind, column] of TABLES) {
      // Any change to the row, but an API key's once-a-minute last_used_at stamp.
      const changed =
        table === 'api_keys'
          ? `(to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at')`
          : 'OLD.* IS DISTINCT FROM NEW.*';
      await q.query(
        `CREATE TRIGGER ${table}_auth_change_update AFTER UPDATE ON ${table}
           FOR EACH ROW WHEN (${changed}) EXECUTE FUNCTION notify_auth_change('${kind}', '${column}')`,
      );
      await q.query(
        `CREATE TRIGGER ${table}_auth_change_delete AFTER DELETE ON ${table}
           FOR EACH ROW EXECUTE FUNCTION notify_auth_change('${kind}', '${column}')`,
      );
      await q.query(
        `CREATE TRIGGER ${table}_auth_change_truncate AFTER TRUNCATE ON ${table}
           FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_change()`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table] of TABLES) {
      for (const event of ['update', 'delete', 'truncate']) {
        await q.query(`DROP TRIGGER ${table}_auth_change_${event} ON ${table}`);
      }
    }
    await q.query('DROP FUNCTION notify_auth_change()');
  }
}

/** Table, payload kind, the column the cache knows the row by. */
const TABLES: ReadonlyArray<readonly [string, string, string]> = [
  ['users', 'user', 'id'],
  ['auth_sessions', 'session', 'id'],
  ['api_keys', 'api_key', 'key_id'],
  ['signing_keys', 'signing_key', 'kid'],
];
