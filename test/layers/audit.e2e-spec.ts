import {
  Body,
  ConflictException,
  Controller,
  HttpCode,
  Post,
  ValidationPipe,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import request from 'supertest';
import { TransactionContext } from '../../src/database/transaction-context';
import { AuditBuffer } from '../../src/security/audit/audit-buffer';
import { eventOf } from '../../src/security/audit/audit-chain.writer';
import { GENESIS_HASH, chainHash } from '../../src/security/audit/audit-hash';
import { AuditLogEntry } from '../../src/security/audit/audit-log.entity';
import { AuditEndpointsModule } from '../../src/security/audit/audit-endpoints.module';
import { AuditInterceptor } from '../../src/security/audit/audit.interceptor';
import { AuditModule } from '../../src/security/audit/audit.module';
import { AuditSealer } from '../../src/security/audit/audit-sealer';
import { AuditVerifier } from '../../src/security/audit/audit-verifier.service';
import { Audited } from '../../src/security/audit/audited.decorator';
import type { Role } from '../../src/users/user.entity';
import {
  HOST_USER_HEADER,
  LayerApp,
  UNAUTHENTICATED_PROBLEM,
  hostAuthenticationGuard,
  startLayerApp,
} from '../support/layer-app';

/**
 * The audit layer alone: a host with AuditModule.forRoot(), a demo controller whose handlers are
 * @Audited and write the host's own table through the layer's TransactionContext, and a global
 * DataSource (fresh database, project migrations applied). None of the app's modules: no guards,
 * no problem-details filter, no request-id middleware.
 */
const CREATE_NOTES = `CREATE TABLE demo_notes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  text varchar(100) NOT NULL
)`;

@Controller('notes')
class NotesController {
  calls = 0;
  constructor(private readonly tx: TransactionContext) {}

  private insert(text: string): Promise<string> {
    return this.tx.run(async (manager) => {
      const rows = await manager.query<Array<{ id: string }>>(
        'INSERT INTO demo_notes (text) VALUES ($1) RETURNING id::text AS id',
        [text],
      );
      return rows[0].id;
    });
  }

  @Post()
  @Audited('note.created', 'note.create.failed', 'note')
  async create(@Body() body: { text: string }): Promise<{ id: string; text: string }> {
    this.calls += 1;
    return { id: await this.insert(body.text), text: body.text };
  }

  /** Writes its note, then refuses: the note must not survive the refusal. */
  @Post('refused')
  @Audited('note.created', 'note.create.failed', 'note')
  async refuse(@Body() body: { text: string }): Promise<never> {
    this.calls += 1;
    await this.insert(body.text);
    throw new ConflictException('a note like this exists');
  }

  @Post('plain')
  @HttpCode(200)
  async plain(@Body() body: { text: string }): Promise<{ id: string }> {
    this.calls += 1;
    return { id: await this.insert(body.text) };
  }
}

/** The rows as stored, oldest first; `audited` seals what is committed first (as its timer would). */
const stored = (t: LayerApp) =>
  t.dataSource.getRepository(AuditLogEntry).find({ order: { id: 'ASC' } });
const audited = async (t: LayerApp) => {
  await t.app.get(AuditSealer).sealNow();
  return stored(t);
};
const notes = (t: LayerApp) =>
  t.dataSource.query<Array<{ id: string; text: string }>>(
    'SELECT id::text AS id, text FROM demo_notes ORDER BY id',
  );
const rowText = async (t: LayerApp, id: string) =>
  (
    await t.dataSource.query<Array<{ row: string }>>(
      'SELECT a::text AS row FROM audit_log a WHERE id = $1',
      [id],
    )
  )[0].row;

/** The host registers the layer's interceptor where its request pipeline is (this app: request-pipeline.ts). */
const AUDIT_INTERCEPTOR = { provide: APP_INTERCEPTOR, useExisting: AuditInterceptor };

describe('audit layer alone (e2e)', () => {
  let t: LayerApp;
  let controller: NotesController;
  beforeAll(async () => {
    t = await startLayerApp(
      {
        imports: [AuditModule.forRoot()],
        controllers: [NotesController],
        providers: [AUDIT_INTERCEPTOR],
      },
      { database: true },
    );
    await t.dataSource.query(CREATE_NOTES);
    controller = t.app.get(NotesController);
  });
  afterAll(() => t.close());

  it('one audited call -> its change and exactly one record, and the chain verifies', async () => {
    const res = await request(t.server)
      .post('/notes')
      .set('User-Agent', 'layer-test')
      .send({ text: 'first' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), text: 'first' });
    expect(controller.calls).toBe(1);
    expect(await notes(t)).toEqual([{ id: res.body.id, text: 'first' }]);

    const rows = await audited(t);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({
      action: 'note.created',
      outcome: 'success',
      httpStatus: 201,
      resourceType: 'note',
      resourceId: res.body.id,
      actorType: 'anonymous',
      actorId: null,
      route: 'POST /notes',
      userAgent: 'layer-test',
      occurrences: 1,
      prevHash: GENESIS_HASH,
    });
    // The stored hash is the chain hash of what the row says.
    expect(row.hash).toBe(chainHash(GENESIS_HASH, eventOf(row)));
    expect(await t.app.get(AuditVerifier).verify()).toMatchObject({
      valid: true,
      checked: 1,
      firstInvalidId: null,
    });
  });

  it('a handler that throws -> 409, its change rolled back, one failure record', async () => {
    const before = await audited(t);
    const notesBefore = await notes(t);
    const res = await request(t.server).post('/notes/refused').send({ text: 'refused' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ statusCode: 409, message: 'a note like this exists' });
    expect(controller.calls).toBe(2);

    // The INSERT the handler made in the audited transaction is gone with the refusal.
    expect(await notes(t)).toEqual(notesBefore);
    // Failures change no state: their record is buffered, written at the next flush.
    await t.app.get(AuditBuffer).flush();
    const rows = await audited(t);
    expect(rows).toHaveLength(before.length + 1);
    expect(rows.at(-1)).toMatchObject({
      action: 'note.create.failed',
      outcome: 'invalid',
      httpStatus: 409,
      resourceType: 'note',
      resourceId: null,
      route: 'POST /notes/refused',
      prevHash: before.at(-1)?.hash,
    });
    expect(await t.app.get(AuditVerifier).verify()).toMatchObject({
      valid: true,
      checked: rows.length,
      firstInvalidId: null,
    });
  });

  it('a handler without @Audited is not recorded, and its write commits on its own', async () => {
    const before = (await audited(t)).length;
    const res = await request(t.server).post('/notes/plain').send({ text: 'plain' });
    expect(res.status).toBe(200);
    expect((await notes(t)).map((n) => n.text)).toContain('plain');
    await t.app.get(AuditBuffer).flush();
    expect(await audited(t)).toHaveLength(before);
  });

  it('mounts no endpoint of its own (the routes are AuditEndpointsModule)', async () => {
    for (const path of ['/v1/audit-logs', '/v1/audit-logs/verify']) {
      const res = await request(t.server).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
  });

  it('UPDATE, DELETE and TRUNCATE on the audit table are refused by the database', async () => {
    const rows = await audited(t);
    const target = rows[0].id;
    const before = await rowText(t, target);

    await expect(
      t.dataSource.query(`UPDATE audit_log SET outcome = 'denied' WHERE id = $1`, [target]),
    ).rejects.toThrow(/audit_log is append-only: UPDATE is not allowed/);
    await expect(
      t.dataSource.query('DELETE FROM audit_log WHERE id = $1', [target]),
    ).rejects.toThrow(/audit_log is append-only: DELETE is not allowed/);
    await expect(t.dataSource.query('TRUNCATE audit_log')).rejects.toThrow(
      /audit_log is append-only: TRUNCATE is not allowed/,
    );

    expect(await rowText(t, target)).toBe(before);
    expect(await audited(t)).toHaveLength(rows.length);
    expect((await t.app.get(AuditVerifier).verify()).valid).toBe(true);
  });

  // Last in this block: it leaves the chain broken.
  it('a record altered behind the trigger is the first invalid link the verifier reports', async () => {
    await request(t.server).post('/notes').send({ text: 'after' }).expect(201);
    const rows = await audited(t);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    const position = 1;
    const target = rows[position];

    // Only the table's owner can do this: switch the append-only trigger off, then edit.
    await t.dataSource.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete');
    try {
      await t.dataSource.query(`UPDATE audit_log SET http_status = 201 WHERE id = $1`, [target.id]);
    } finally {
      await t.dataSource.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete');
    }
    expect((await audited(t))[position].httpStatus).toBe(201);

    expect(await t.app.get(AuditVerifier).verify()).toMatchObject({
      valid: false,
      checked: position + 1,
      firstInvalidId: target.id,
    });
  });
});

/** A host stand-in authentication (like AuthGuard('jwt')): `X-Host-User: <role>`. */
const HostStandInGuard = hostAuthenticationGuard((role) => ({
  kind: 'user',
  userId: `host-${role}`,
  role: role as Role,
  sessionId: 's',
  tokenId: 'j',
}));

const AUDIT_ENDPOINTS = ['/v1/audit-logs', '/v1/audit-logs/verify'];

/** A record in the log, through an @Audited call, so the endpoints have something to leak. */
async function recordOne(t: LayerApp): Promise<AuditLogEntry> {
  await t.dataSource.query(CREATE_NOTES);
  await request(t.server).post('/notes').send({ text: 'secret note' }).expect(201);
  const rows = await audited(t);
  expect(rows).toHaveLength(1);
  return rows[0];
}

describe('audit layer alone: AuditEndpointsModule in a host without our guards (e2e)', () => {
  let t: LayerApp;
  let row: AuditLogEntry;
  beforeAll(async () => {
    // No authentication, no authorization, no pipe: only the layer and the demo controller.
    t = await startLayerApp(
      {
        imports: [AuditModule.forRoot(), AuditEndpointsModule],
        controllers: [NotesController],
        providers: [AUDIT_INTERCEPTOR],
      },
      { database: true },
    );
    row = await recordOne(t);
  });
  afterAll(() => t.close());

  it.each(AUDIT_ENDPOINTS)('GET %s -> 401, and not one audit row in the body', async (path) => {
    const verify = jest.spyOn(t.app.get(AuditVerifier), 'verify');
    const res = await request(t.server).get(path);

    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 401,
      body: UNAUTHENTICATED_PROBLEM,
    });
    for (const leak of [row.hash, row.action, row.route, 'checked']) {
      expect(res.text).not.toContain(leak);
    }
    expect(verify).not.toHaveBeenCalled();
    verify.mockRestore();
  });
});

describe('audit layer alone: AuditEndpointsModule behind a host guard that only authenticates (e2e)', () => {
  let t: LayerApp;
  let row: AuditLogEntry;
  beforeAll(async () => {
    t = await startLayerApp(
      {
        imports: [AuditModule.forRoot(), AuditEndpointsModule],
        controllers: [NotesController],
        // The host's own lines: who the caller is, and the pipe the list's query needs.
        providers: [
          AUDIT_INTERCEPTOR,
          { provide: APP_GUARD, useClass: HostStandInGuard },
          { provide: APP_PIPE, useValue: new ValidationPipe({ transform: true }) },
        ],
      },
      { database: true },
    );
    row = await recordOne(t);
  });
  afterAll(() => t.close());

  it.each(['viewer', 'operator'])(
    'a signed-in %s -> 403 on both, and not one audit row in the body',
    async (role) => {
      for (const path of AUDIT_ENDPOINTS) {
        const res = await request(t.server).get(path).set(HOST_USER_HEADER, role);
        expect({ path, status: res.status, body: res.body as unknown }).toEqual({
          path,
          status: 403,
          body: {
            type: 'about:blank',
            title: 'Forbidden',
            status: 403,
            detail: 'Your role does not allow this.',
          },
        });
        expect(res.text).not.toContain(row.hash);
      }
    },
  );

  it('an anonymous caller (the host guard set no one) -> 401', async () => {
    for (const path of AUDIT_ENDPOINTS) {
      const res = await request(t.server).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
    }
  });

  it('an admin -> 200: the record, and a chain that verifies', async () => {
    const list = await request(t.server).get('/v1/audit-logs').set(HOST_USER_HEADER, 'admin');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      data: [{ id: row.id, action: 'note.created', hash: row.hash }],
      nextCursor: null,
    });

    const verify = await request(t.server)
      .get('/v1/audit-logs/verify')
      .set(HOST_USER_HEADER, 'admin');
    expect({ status: verify.status, body: verify.body as unknown }).toMatchObject({
      status: 200,
      body: { valid: true, checked: 1, firstInvalidId: null },
    });
  });
});

describe('audit layer alone: shutdown (e2e)', () => {
  let t: LayerApp;
  beforeAll(async () => {
    // An interval far beyond the test: only the shutdown can write the buffered record.
    t = await startLayerApp(
      {
        imports: [AuditModule.forRoot({ flushIntervalMs: 600_000 })],
        controllers: [NotesController],
        providers: [AUDIT_INTERCEPTOR],
      },
      { database: true },
    );
    await t.dataSource.query(CREATE_NOTES);
  });
  afterAll(() => t.close());

  it('records still buffered are written when the app closes', async () => {
    const res = await request(t.server).post('/notes/refused').send({ text: 'late' });
    expect(res.status).toBe(409);
    expect(await stored(t)).toEqual([]);

    await t.app.close(); // the host's DataSource is still open: it closes after the app

    // Written and sealed by the shutdown hooks alone.
    const rows = await stored(t);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'note.create.failed',
      outcome: 'invalid',
      httpStatus: 409,
      prevHash: GENESIS_HASH,
    });
    expect(rows[0].hash).toBe(chainHash(GENESIS_HASH, eventOf(rows[0])));
  });
});

describe('audit layer alone: settings', () => {
  it.each([
    [{ flushIntervalMs: 0 }, /flushIntervalMs must be a positive integer/],
    [{ flushAtRecords: Number.NaN }, /flushAtRecords must be a positive integer/],
    [{ sealIntervalMs: 0 }, /sealIntervalMs must be a positive integer/],
    [{ sealBatchRecords: 1.5 }, /sealBatchRecords must be a positive integer/],
    [{ sealIntervalMs: 1000, sealMaxDelayMs: 1500 }, /sealMaxDelayMs must be at least twice/],
  ])('refuses to start with %j', async (options, message) => {
    await expect(
      startLayerApp(
        {
          imports: [AuditModule.forRoot(options)],
          controllers: [NotesController],
          providers: [AUDIT_INTERCEPTOR],
        },
        { database: true },
      ),
    ).rejects.toThrow(message);
  });
});
