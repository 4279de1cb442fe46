import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The API-key layer knows no stations: a key is bound to "a resource of the host". This app's
 * resources are stations, so the foreign key (and ON DELETE CASCADE: a key goes with its
 * station) stays here, in the host's schema, under the column's new, neutral name.
 */
export class ApiKeyResourceBinding1763900300000 implements MigrationInterface {
  name = 'ApiKeyResourceBinding1763900300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys RENAME COLUMN station_id TO resource_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys RENAME COLUMN resource_id TO station_id`);
  }
}
