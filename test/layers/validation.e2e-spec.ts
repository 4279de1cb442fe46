import { APP_PIPE } from '@nestjs/core';
import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDate,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import request from 'supertest';
import { FIELD_ERROR_LIMITS } from '../../src/common/problem-details/problem-details';
import { MAX_JSON_DEPTH } from '../../src/security/validation/json-shape';
import { VALIDATION_PIPE } from '../../src/security/validation/validation.pipe';
import { ValidationModule } from '../../src/security/validation/validation.module';
import { LayerApp, startLayerApp } from '../support/layer-app';

/**
 * The validation layer alone: ValidationModule and a demo controller with a small DTO, on a plain
 * Nest app (Nest's own JSON parser, Nest's own exception filter, no problem+json filter of ours).
 */

class DemoReadingDto {
  @Matches(/^[A-Z0-9]{3,10}$/)
  code!: string;

  @IsNumber()
  @Min(-90)
  @Max(60)
  temperatureC!: number;

  // Converted only because the DTO says so (@Type): implicit conversion is off.
  @Type(() => Date)
  @IsDate()
  observedAt!: Date;

  @IsOptional()
  @IsString()
  @MaxLength(50)
  note?: string;
}

class DemoQueryDto {
  @IsOptional()
  @IsBoolean()
  verbose?: boolean;
}

let calls = 0;

@Controller('demo')
class DemoController {
  @Post()
  create(@Body() dto: DemoReadingDto) {
    calls += 1;
    return {
      isDto: dto instanceof DemoReadingDto,
      observedAtIsDate: dto.observedAt instanceof Date,
      code: dto.code,
      temperatureC: dto.temperatureC,
      observedAt: dto.observedAt.toISOString(),
    };
  }

  @Get()
  list(@Query() query: DemoQueryDto): { verbose: boolean | null } {
    calls += 1;
    return { verbose: query.verbose ?? null };
  }
}

const VALID = { code: 'STN042', temperatureC: 21.5, observedAt: '2026-01-02T03:04:05+01:00' };

type FieldErrors = { field: string; messages: string[] }[];

/** Posts a raw JSON text, so keys like `__proto__` reach the parser exactly as written. */
function postRaw(host: LayerApp, json: string) {
  return request(host.server).post('/demo').set('Content-Type', 'application/json').send(json);
}

function expectRejected(body: { status?: number; errors?: FieldErrors }, field: string): string[] {
  expect(body.status).toBe(400);
  const error = body.errors?.find((e) => e.field === field);
  expect(error).toBeDefined();
  return error?.messages ?? [];
}

describe('validation layer alone (e2e)', () => {
  let host: LayerApp;

  beforeAll(async () => {
    host = await startLayerApp(
      {
        imports: [ValidationModule],
        controllers: [DemoController],
        // The host makes it its global pipe (this app: request-pipeline.ts).
        providers: [{ provide: APP_PIPE, useExisting: VALIDATION_PIPE }],
      },
      {
        // Fastify's own parser already refuses __proto__ and constructor.prototype keys; this host
        // hands them on, as Express's parser (and this app's, on both adapters) does, so the
        // tests below show what the layer itself refuses.
        fastify: { onProtoPoisoning: 'ignore', onConstructorPoisoning: 'ignore' },
      },
    );
  });

  afterAll(async () => {
    await host?.close();
  });

  beforeEach(() => {
    calls = 0;
  });

  it('accepts a valid body: 201 with the DTO instance, the date converted', async () => {
    const res = await request(host.server).post('/demo').send(VALID);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      isDto: true,
      observedAtIsDate: true,
      code: 'STN042',
      temperatureC: 21.5,
      observedAt: '2026-01-02T02:04:05.000Z',
    });
    expect(calls).toBe(1);
  });

  it('refuses an unknown field with a 400 naming it, not silently dropping it', async () => {
    const res = await request(host.server)
      .post('/demo')
      .send({ ...VALID, role: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      type: 'urn:weather-api:problem:validation-failed',
      title: 'Validation failed',
      status: 400,
    });
    expect(expectRejected(res.body, 'role')).toEqual(['property role should not exist']);
    expect(calls).toBe(0);
  });

  it.each([
    ['a string for a number', { ...VALID, temperatureC: '21.5' }, 'temperatureC'],
    ['a number for a string', { ...VALID, code: 42 }, 'code'],
    ['an object for a date', { ...VALID, observedAt: { $gt: '' } }, 'observedAt'],
    ['a missing field', { code: VALID.code, observedAt: VALID.observedAt }, 'temperatureC'],
  ])('refuses %s with a 400 naming the field', async (_label, body, field) => {
    const res = await request(host.server).post('/demo').send(body);
    expect(res.status).toBe(400);
    expectRejected(res.body, field);
    expect(calls).toBe(0);
  });

  it.each(["STN' OR 1=1--", 'STN042; DROP TABLE stations', 'stn042'])(
    'refuses %j in a pattern-restricted field',
    async (code) => {
      const res = await request(host.server)
        .post('/demo')
        .send({ ...VALID, code });
      expect(res.status).toBe(400);
      expect(expectRejected(res.body, 'code')[0]).toMatch(/must match/);
      expect(calls).toBe(0);
    },
  );

  it.each([
    [
      '__proto__',
      `{"code":"STN042","temperatureC":1,"observedAt":"2026-01-01T00:00:00Z","__proto__":{"isAdmin":true}}`,
    ],
    [
      'constructor',
      `{"code":"STN042","temperatureC":1,"observedAt":"2026-01-01T00:00:00Z","constructor":{"prototype":{"isAdmin":true}}}`,
    ],
    [
      'note.__proto__',
      `{"code":"STN042","temperatureC":1,"observedAt":"2026-01-01T00:00:00Z","note":{"__proto__":{"isAdmin":true}}}`,
    ],
  ])('refuses a %s key, which class-transformer would drop without a word', async (field, json) => {
    const res = await postRaw(host, json);
    expect(res.status).toBe(400);
    expect(expectRejected(res.body, field)).toEqual([`property ${field} should not exist`]);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(calls).toBe(0);
  });

  it('refuses a body nested deeper than the limit, and 20,000 levels answer 400, not 500', async () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const withExtra = (depth: number) =>
      `{"code":"STN042","temperatureC":1,"observedAt":"2026-01-01T00:00:00Z","x":${nested(depth)}}`;
    // The body object is level 1, so `x` holding 15 nested arrays makes 16 levels: the most
    // allowed (refused only as an unknown field), and 16 arrays make 17: too deep.
    expect(MAX_JSON_DEPTH).toBe(16);
    const atLimit = await postRaw(host, withExtra(15));
    expect(atLimit.status).toBe(400);
    expect(expectRejected(atLimit.body, 'x')).toEqual(['property x should not exist']);
    expect(JSON.stringify(atLimit.body)).not.toContain('nested more than');
    for (const depth of [16, 20_000]) {
      const res = await postRaw(host, withExtra(depth));
      expect(res.status).toBe(400);
      expect(res.body.errors[0].messages[0]).toMatch(/nested more than 16 levels deep/);
    }
    expect(calls).toBe(0);
  });

  it('answers an over-wide body (2,000 unknown keys) with a 400 whose error list is capped', async () => {
    const wide = { ...VALID } as Record<string, unknown>;
    for (let i = 0; i < 2000; i += 1) wide[`k${i}`] = i;
    const res = await request(host.server).post('/demo').send(wide);
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(FIELD_ERROR_LIMITS.fields);
    expect(calls).toBe(0);
  });

  it('refuses a NUL character in a string', async () => {
    const res = await request(host.server)
      .post('/demo')
      .send({ ...VALID, note: 'a\u0000b' });
    expect(res.status).toBe(400);
    expect(expectRejected(res.body, 'note')).toEqual(['note must not contain NUL characters']);
    expect(calls).toBe(0);
  });

  it('never converts a query string implicitly: verbose=false is refused, not read as true', async () => {
    const res = await request(host.server).get('/demo?verbose=false');
    expect(res.status).toBe(400);
    expectRejected(res.body, 'verbose');
    const unknown = await request(host.server).get('/demo?admin=1');
    expect(unknown.status).toBe(400);
    expectRejected(unknown.body, 'admin');
    expect(calls).toBe(0);

    await request(host.server).get('/demo').expect(200, { verbose: null });
    expect(calls).toBe(1);
  });
});
