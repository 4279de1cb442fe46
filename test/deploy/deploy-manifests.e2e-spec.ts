import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, load as loadYaml, loadAll, mergeTag } from 'js-yaml';
import request from 'supertest';
import { loadConfig } from '../../src/config/load-config';
import { BODY_LIMIT } from '../../src/request-pipeline';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * No Docker engine or cluster runs here, so the reference deployment is checked against the app
 * itself: every setting it names is one the app reads, probes hit routes that answer, secrets
 * are referenced (never inlined, never defaulted), and the pieces that must agree do.
 */
const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
// Compose files use YAML merge keys (`<<: *api`), which js-yaml 5 reads only when asked to.
const load = (text: string) => loadYaml(text, { schema: CORE_SCHEMA.withTags(mergeTag) });

/** Every environment variable the app's configuration reads. */
const SETTINGS = new Set(
  readdirSync(join(ROOT, 'src/config'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .flatMap((file) => [
      ...read(`src/config/${file}`).matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|PORT|HOST)'/g),
    ])
    .map((match) => match[1]),
);
const SECRET_NAME = /PASSWORD|SECRET|ENCRYPTION_KEY|TOKEN|DATABASE_URL|REDIS_URL/;

/** What an operator would supply for a secret: random, of the kind its name asks for. */
const secretFor = (name: string): string =>
  /ENCRYPTION_KEY/.test(name)
    ? randomBytes(32).toString('base64')
    : name === 'DATABASE_URL'
      ? `postgresql://weather:${randomBytes(24).toString('hex')}@db:5432/weather`
      : name === 'REDIS_URL'
        ? `redis://:${randomBytes(24).toString('hex')}@redis:6379/0`
        : randomBytes(24).toString('hex');

/** Compose's interpolation: `${X:?message}` from the operator (a secret here), `${X:-d}` -> d. */
const interpolate = (value: string): string =>
  value.replace(
    /\$\{([A-Z_]+)(:[?-])([^}]*)\}/g,
    (_match, name: string, kind: string, d: string) => (kind === ':?' ? secretFor(name) : d),
  );

describe('docker-compose.yml, the reference topology', () => {
  const compose = load(read('docker-compose.yml')) as Json;
  const services = compose.services as Record<string, Json>;
  const api = services.api;
  const proxy = services.proxy;

  it('has PostgreSQL, Redis, a migration job, two or more API replicas and a TLS proxy', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'db', 'migrate', 'proxy', 'redis']);
    expect(api.deploy.replicas).toBeGreaterThanOrEqual(2);
    expect(api.ports).toBeUndefined(); // only the proxy is reachable
    expect(proxy.ports).toEqual(['127.0.0.1:8443:443']);
  });

  it('health-checks every long-running service', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'migrate') {
        expect(service.restart).toBe('no');
        continue;
      }
      expect({ name, test: service.healthcheck?.test }).toEqual({ name, test: expect.any(Array) });
    }
    expect((api.healthcheck.test as string[]).join(' ')).toContain('/health/ready');
    expect(api.depends_on.migrate.condition).toBe('service_completed_successfully');
  });

  it('names only settings the app reads, and has no default for any secret', () => {
    for (const [name, value] of Object.entries(api.environment as Record<string, string>)) {
      expect({ name, known: SETTINGS.has(name) }).toEqual({ name, known: true });
      if (SECRET_NAME.test(name)) {
        // Required (`:?`) or empty by default (`:-}`); never a literal or a real default.
        const references = [...String(value).matchAll(/\$\{([A-Z_]+)(:[?-])([^}]*)\}/g)];
        expect({ name, referenced: references.length > 0 || value === '' }).toEqual({
          name,
          referenced: true,
        });
        for (const [, , kind, fallback] of references) {
          if (kind === ':-') expect({ name, fallback }).toEqual({ name, fallback: '' });
        }
      }
    }
    // Every service, not only the app: a database or Redis password is never written down.
    for (const [service, { environment = {} }] of Object.entries(services)) {
      for (const [name, value] of Object.entries(environment as Record<string, string>)) {
        if (!/PASSWORD|SECRET|_AUTH$/.test(name)) continue;
        expect({ service, name, value }).toEqual({
          service,
          name,
          value: expect.stringMatching(/^(\$\{[A-Z_]+:\?[^}]*\}|\$\{[A-Z_]+:-\})$/),
        });
      }
    }
    const text = read('docker-compose.yml');
    expect(text).not.toMatch(/PASSWORD:\s*['"]?[A-Za-z0-9]{4,}['"]?\s*$/m);
  });

  it('is a configuration the app starts with in production, on the port everything else uses', () => {
    const env = Object.fromEntries(
      Object.entries(api.environment as Record<string, string>).map(([k, v]) => [
        k,
        interpolate(String(v)),
      ]),
    );
    const config = loadConfig(env); // throws ConfigError naming each setting it refuses
    expect(config.nodeEnv).toBe('production');
    expect(config.redisUrl).toBeDefined(); // one Redis: limits are exact across replicas
    expect(config.database.url).toMatch(/@db:5432\//);
    const port = String(config.port);
    expect((api.healthcheck.test as string[]).join(' ')).toContain(
      `127.0.0.1:${port}/health/ready`,
    );
    expect(proxy.environment.UPSTREAM_SERVERS).toContain(`server api:${port} `);
    expect(proxy.healthcheck.test).toContain('https://127.0.0.1/health/live');
    expect(proxy.environment.PROXY_LISTEN).toBe((proxy.ports as string[])[0].split(':').pop());
    // Graceful stop: compose waits longer than the app's own shutdown budget before SIGKILL.
    expect(parseInt(api.stop_grace_period, 10) * 1000).toBeGreaterThan(
      config.shutdownTimeoutMs + config.shutdownIdleGraceMs,
    );
  });

  it('migrates once in the job, not in every replica', () => {
    expect(api.environment.DATABASE_RUN_MIGRATIONS).toBe('false');
    expect(services.migrate.command).toEqual(['node', 'dist/src/database/migrate.cli.js']);
    expect(read('src/database/migrate.cli.ts')).toContain('migrate(');
  });

  it('trusts exactly the proxy: TRUST_PROXY is the address nginx binds to upstream', () => {
    const address = proxy.networks.backend.ipv4_address;
    expect(api.environment.TRUST_PROXY).toBe(address);
    expect(proxy.environment.PROXY_BIND_ADDRESS).toBe(address);
  });
});

describe('deploy/nginx/weather-api.conf.template', () => {
  const template = read('deploy/nginx/weather-api.conf.template');
  const compose = load(read('docker-compose.yml')) as Json;

  it('gets every ${VARIABLE} it uses from the proxy service', () => {
    const used = new Set([...template.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.keys(compose.services.proxy.environment).sort());
  });

  it("replaces the client's X-Forwarded-For with the address it saw, never appends", () => {
    expect(template).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
    expect(template).not.toContain('$proxy_add_x_forwarded_for');
  });

  it("starts the trace itself: a client's traceparent never reaches the app, which trusts this hop", () => {
    // A valid version 00 value from nginx's $request_id (16 random bytes in hex).
    expect(template).toMatch(/"~\^\(\?<span>\[0-9a-f\]\{16\}\)" "00-\$request_id-\$span-00";/);
    expect(template).toMatch(/proxy_set_header traceparent \$weather_traceparent;/);
    expect(template).toMatch(/proxy_set_header tracestate "";/);
  });

  it("lets the app's own 100 kB limit answer first (its 413 is problem+json)", () => {
    const proxyLimit = Number(/client_max_body_size (\d+)k;/.exec(template)?.[1]);
    expect(proxyLimit * 1024).toBeGreaterThan(BODY_LIMIT);
  });

  it('closes idle upstream connections before the app would, in service and in shutdown', () => {
    const nginxIdleS = Number(/keepalive_timeout (\d+)s;\n\}/.exec(template)?.[1]);
    const api = compose.services.api.environment as Record<string, string>;
    const config = loadConfig(
      Object.fromEntries(Object.entries(api).map(([k, v]) => [k, interpolate(String(v))])),
    );
    expect(nginxIdleS * 1000).toBeLessThan(config.shutdownIdleGraceMs);
    expect(nginxIdleS * 1000).toBeLessThan(config.http.keepAliveTimeoutMs);
  });

  it('sheds floods per client address before the app: request rate, connections, body size', () => {
    // Keyed on the address nginx saw, never on a header a client could set.
    expect(template).toMatch(/limit_req_zone \$binary_remote_addr zone=weather_per_ip:/);
    expect(template).toMatch(/limit_conn_zone \$binary_remote_addr zone=weather_conn_per_ip:/);
    expect(template).toMatch(/^\s+limit_req zone=weather_per_ip burst=/m);
    expect(template).toMatch(/^\s+limit_conn weather_conn_per_ip \d+;/m);
    expect(template).toMatch(/limit_req_status 429;/);
    expect(template).toMatch(/limit_conn_status 429;/);
    expect(template).toMatch(/client_body_timeout \d+s;/);
    expect(template).toMatch(/client_header_timeout \d+s;/);
  });

  it('terminates TLS 1.2+ only and never resends a POST by itself', () => {
    expect(template).toMatch(/ssl_protocols TLSv1\.2 TLSv1\.3;/);
    expect(template).not.toMatch(/proxy_next_upstream[^;]*non_idempotent/);
  });
});

describe('deploy/k8s manifests', () => {
  const docs = readdirSync(join(ROOT, 'deploy/k8s'))
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => loadAll(read(`deploy/k8s/${file}`)) as Json[]);
  const byKind = (kind: string) => docs.find((doc) => doc.kind === kind) as Json;
  const deployment = byKind('Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const config = byKind('ConfigMap').data as Record<string, string>;
  const job = byKind('Job');

  it('has every piece a production roll-out needs', () => {
    expect(docs.map((doc) => doc.kind as string).sort()).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Job',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Service',
      ].sort(),
    );
  });

  it('probes readiness and liveness on the routes and port the app serves', () => {
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    const port = (container.ports as Json[]).find(
      (p) => p.name === container.readinessProbe.httpGet.port,
    ) as Json;
    expect(String(port.containerPort)).toBe(config.PORT);
    expect(byKind('NetworkPolicy').spec.ingress[0].ports[0].port).toBe(port.containerPort);
  });

  it('runs as non-root on a read-only file system with no privileges', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
  });

  it('drains before it stops and never rolls below the current capacity', () => {
    expect(container.lifecycle.preStop.sleep.seconds).toBeGreaterThan(0);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(deployment.spec.minReadySeconds).toBeGreaterThan(0);
  });

  it('names only settings the app reads, and every secret comes from a Secret', () => {
    for (const workload of [container, job.spec.template.spec.containers[0]]) {
      for (const env of workload.env as Json[]) {
        expect({ name: env.name, known: SETTINGS.has(env.name) }).toEqual({
          name: env.name,
          known: true,
        });
        expect(env.value).toBeUndefined();
        expect(env.valueFrom.secretKeyRef.name).toBe('weather-api-secrets');
      }
    }
    for (const name of Object.keys(config)) {
      expect({ name, known: SETTINGS.has(name), secret: SECRET_NAME.test(name) }).toEqual({
        name,
        known: true,
        secret: false,
      });
    }
  });

  /** The environment a pod gets: the ConfigMap, then each Secret reference (random here). */
  const podEnv = (workload: Json) => ({
    ...config,
    ...Object.fromEntries(
      (workload.env as Json[]).map((env) => [env.name as string, secretFor(env.name as string)]),
    ),
  });

  it('is a configuration the app starts with in production, serving the probed port', () => {
    const app = loadConfig(podEnv(container)); // throws ConfigError naming each refusal
    expect(app.nodeEnv).toBe('production');
    expect(app.redisUrl).toBeDefined();
    expect(app.trustProxy).not.toBe(false);
    expect(container.ports[0].containerPort).toBe(app.port);
    const preStop = container.lifecycle.preStop.sleep.seconds as number;
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      preStop * 1000 + app.shutdownTimeoutMs + app.shutdownIdleGraceMs,
    );
    // The migration Job reads the same settings (it loads the whole configuration too).
    expect(loadConfig(podEnv(job.spec.template.spec.containers[0])).database.url).toBeDefined();
  });

  it("matches the image: its user, its port, its writable /tmp, and the Job's command is built", () => {
    const dockerfile = read('Dockerfile');
    // The node images' `node` user is uid/gid 1000; runAsNonRoot needs the uid to be numeric.
    expect(dockerfile).toMatch(/^USER node$/m);
    for (const spec of [pod, job.spec.template.spec]) {
      expect(spec.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000 });
    }
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${container.ports[0].containerPort}$`, 'm'));
    expect(dockerfile).toMatch(new RegExp(`PORT=${config.PORT}\\b`));
    // A read-only root file system: the only writable place is the mounted /tmp.
    for (const workload of [container, job.spec.template.spec.containers[0]]) {
      expect(workload.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    }
    const [, script] = job.spec.template.spec.containers[0].command as string[];
    expect(script.replace(/^dist\//, '').replace(/\.js$/, '.ts')).toBe(
      'src/database/migrate.cli.ts',
    );
    expect(read('package.json')).toContain(`"migration:run": "npm run build && node ${script}"`);
  });

  it('migrates in the Job only', () => {
    expect(config.DATABASE_RUN_MIGRATIONS).toBe('false');
    expect(job.spec.template.spec.containers[0].command).toEqual([
      'node',
      'dist/src/database/migrate.cli.js',
    ]);
    expect(job.spec.template.spec.containers[0].image).toBe(container.image);
  });

  it('selects the same pods everywhere, and never disrupts below one', () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(byKind('Service').spec.selector).toEqual(labels);
    expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
    expect(byKind('NetworkPolicy').spec.podSelector.matchLabels).toEqual(labels);
    const hpa = byKind('HorizontalPodAutoscaler').spec;
    expect(hpa.scaleTargetRef.name).toBe(deployment.metadata.name);
    expect(hpa.minReplicas).toBeGreaterThan(byKind('PodDisruptionBudget').spec.minAvailable);
  });
});

describe('the probes the deployments use answer on the real app', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each(['/health/live', '/health/ready'])('%s is 200', async (path) => {
    expect((await request(t.server).get(path)).status).toBe(200);
  });
});
