import { Socket } from 'node:net';
import request from 'supertest';
import { CreatedKey, createKey } from '../support/api-keys';
import { expectUnchangedBy } from '../support/database';
import { observationBody } from '../support/observations';
import {
  OpenApiDocument,
  OpenApiSchema,
  documentedOperations,
  openApiDocument,
  resolveSchema,
} from '../support/openapi';
import { outboundConnectionsDuring } from '../support/outbound-connections';
import { SignedInUser, signedInUser } from '../support/sign-in';
import { outboundFindings, sourceFiles } from '../support/source-code';
import { createStation, stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * OWASP API7:2023 Server Side Request Forgery. SSRF needs the API to fetch something whose
 * location the caller controls: a webhook, a callback, an image or import URL. This API has
 * none: no field takes a URL, and the server makes no outbound request on a caller's behalf
 * (it talks only to its database and, when configured, Redis). So the risk does not apply, and
 * this file proves the premise instead of testing a URL filter:
 * 1. no request parameter or body property in the OpenAPI contract is a URL (by format or name);
 * 2. no file in src/ uses an outbound HTTP client (fetch, http.request, axios, got, ...);
 * 3. at run time, feeding URL-shaped values (cloud metadata, loopback, file:, gopher:) to every
 *    string field opens no connection other than to the database;
 * 4. the Host / X-Forwarded-Host headers are never used to build a URL the API hands out.
 * If a URL-taking field is ever added, (1) fails and points at it: it then needs a scheme,
 * host and port allow-list, no redirects, and resolution checks against private ranges.
 */

const URL_FORMATS = [
  'uri',
  'url',
  'uri-reference',
  'iri',
  'iri-reference',
  'uri-template',
  'hostname',
  'idn-hostname',
];
const URL_NAME =
  /(url|uri|href|link|callback|webhook|hook|endpoint|redirect|host|domain|origin|target|fetch|import|image|avatar|feed)/i;

const SSRF_VALUES = [
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'http://[fd00:ec2::254]/latest/meta-data/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://127.0.0.1:5432/',
  'http://localhost:6379/',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_FLUSHALL',
  'dict://127.0.0.1:11211/stat',
];

let t: TestApp;
let doc: OpenApiDocument;
let operator: SignedInUser;
let key: CreatedKey;
let stationId: string;

beforeAll(async () => {
  t = await startTestApp();
  doc = await openApiDocument(t);
  operator = await signedInUser(t, 'operator');
  stationId = (await createStation(t, {}, operator.auth)).id;
  key = await createKey(t, operator.auth, {
    scopes: ['observations:write'],
    resourceId: stationId,
  });
});
afterAll(() => t.close());

/** `Schema.property` for every property reachable from a schema, with its own schema. */
function propertiesOf(
  schema: OpenApiSchema,
  where: string,
  seen = new Set<OpenApiSchema>(),
): Array<{ where: string; schema: OpenApiSchema }> {
  const resolved = resolveSchema(doc, schema);
  if (seen.has(resolved)) return [];
  seen.add(resolved);
  const nested = [
    ...(resolved.allOf ?? []),
    ...(resolved.oneOf ?? []),
    ...(resolved.anyOf ?? []),
    ...(resolved.items ? [resolved.items] : []),
  ].flatMap((part) => propertiesOf(part, where, seen));
  const own = Object.entries(resolved.properties ?? {}).flatMap(([name, child]) => [
    { where: `${where}.${name}`, schema: child },
    ...propertiesOf(child, `${where}.${name}`, seen),
  ]);
  return [...own, ...nested];
}

describe('API7 premise: nothing the caller sends is a location the server fetches (e2e)', () => {
  it('no request parameter or request-body property is a URL, by format or by name', () => {
    const inputs = documentedOperations(doc).flatMap(({ name, operation }) => [
      ...(operation.parameters ?? []).map((p) => ({
        where: `${name} ${p.in} ${p.name}`,
        schema: p.schema ?? {},
      })),
      ...Object.values(operation.requestBody?.content ?? {}).flatMap((media) =>
        media.schema ? propertiesOf(media.schema, `${name} body`) : [],
      ),
    ]);
    // The walk finds the fields it should: it is not vacuous.
    expect(inputs.map((i) => i.where)).toEqual(
      expect.arrayContaining([
        'POST /v1/stations body.timezone',
        'POST /v1/api-keys body.resourceId',
        'GET /v1/stations query name',
        'POST /v1/stations/{id}/observations body.observedAt',
      ]),
    );
    const urlish = inputs.filter(({ where, schema }) => {
      const resolved = resolveSchema(doc, schema);
      const name = where.split(/[ .]/).at(-1) ?? '';
      return URL_FORMATS.includes(resolved.format ?? '') || URL_NAME.test(name);
    });
    expect(urlish.map((i) => i.where)).toEqual([]);
  });

  it('no schema anywhere in the contract declares a URL format', () => {
    const formats = Object.entries(doc.components.schemas ?? {}).flatMap(([name, schema]) =>
      propertiesOf(schema, name).filter(({ schema: s }) =>
        URL_FORMATS.includes(resolveSchema(doc, s).format ?? ''),
      ),
    );
    expect(formats.map((f) => f.where)).toEqual([]);
  });

  it('no file in src/ makes an outbound network call (fetch, http.request, axios, got, ...)', () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(50);
    const findings = outboundFindings(files);
    expect(findings).toEqual([]);
    // The patterns do catch what they are for.
    const probes = [
      "const r = await fetch('http://169.254.169.254/');",
      "import axios from 'axios';",
      "import { get } from 'node:https';",
      'http.request(options, cb);',
      "import { connect } from 'node:net';",
      "import * as net from 'net';",
      "import { request } from 'node:http';",
      "const tls = require('node:tls');",
    ];
    for (const probe of probes) {
      expect(outboundFindings([{ path: 'probe.ts', text: probe }])).not.toEqual([]);
    }
    // What the app does take from node:net and node:http is not outbound.
    expect(
      outboundFindings([
        {
          path: 'allowed.ts',
          text: "import { BlockList, isIP } from 'node:net';\nimport { createServer, STATUS_CODES } from 'node:http';",
        },
      ]),
    ).toEqual([]);
  });

  it('URL-shaped values in every string field are stored or refused as data; no connection is opened', async () => {
    const connections = await outboundConnectionsDuring(t, async (base) => {
      for (const value of SSRF_VALUES) {
        // As free text: stored literally.
        const station = await request(base)
          .post('/v1/stations')
          .set(operator.auth)
          .send(stationBody({ name: value }));
        expect(station.status).toBe(201);
        expect((station.body as { name: string }).name).toBe(value);
        // Where a URL is not valid data: refused by validation, nothing changed.
        await expectUnchangedBy(t, async () => {
          const refused = [
            await request(base)
              .post('/v1/stations')
              .set(operator.auth)
              .send(stationBody({ timezone: value })),
            await request(base)
              .post('/v1/api-keys')
              .set(operator.auth)
              .send({ name: 'k', scopes: ['stations:read'], resourceId: value }),
            await request(base)
              .post(`/v1/stations/${stationId}/observations`)
              .set(key.auth)
              .send(observationBody(value)),
            await request(base)
              .get('/v1/stations')
              .query({ name: value, callback: value })
              .set(operator.auth),
            await request(base)
              .get(`/v1/stations?url=${encodeURIComponent(value)}`)
              .set(operator.auth),
          ];
          for (const res of refused) expect(res.status).toBe(400);
        });
      }
    });
    expect(connections).toEqual([]);
  });

  it('the observer is not blind (control): a connection made on purpose is seen', async () => {
    const connections = await outboundConnectionsDuring(t, async () => {
      // An outbound connection to an unused port, as a fetch by the app would make.
      await new Promise<void>((resolve) => {
        const socket = new Socket();
        socket.on('error', () => resolve());
        socket.on('connect', () => {
          socket.destroy();
          resolve();
        });
        socket.connect(1, '127.0.0.1');
      });
    });
    expect(connections).toEqual([{ host: '127.0.0.1', port: 1 }]);
  });

  it('Host and X-Forwarded-Host are never reflected into what the API answers', async () => {
    const evil = 'attacker.example';
    for (const path of ['/v1/nope', '/v1/stations', '/health/ready', '/v1/stations/not-a-uuid']) {
      const res = await request(t.server)
        .get(path)
        .set(operator.auth)
        .set('Host', evil)
        .set('X-Forwarded-Host', evil)
        .set('X-Forwarded-Proto', 'gopher')
        .set('Forwarded', `host=${evil};proto=http`);
      expect(res.text).not.toContain(evil);
      expect(JSON.stringify(res.headers)).not.toContain(evil);
    }
  });
});
