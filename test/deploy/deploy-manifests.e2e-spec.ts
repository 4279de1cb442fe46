import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, load as loadYaml, loadAll, mergeTag } from 'js-yaml';
import request from 'supertest';
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
const SHUTDOWN_TIMEOUT_MS = 10_000;

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
    const text = read('docker-compose.yml');
    expect(text).not.toMatch(/PASSWORD:\s*['"]?[A-Za-z0-9]{4,}['"]?\s*$/m);
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

  it('gives in-flight requests time to finish on stop', () => {
    expect(parseInt(api.stop_grace_period, 10) * 1000).toBeGreaterThan(SHUTDOWN_TIMEOUT_MS);
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
    expect(nginxIdleS * 1000).toBeLessThan(Number(api.SHUTDOWN_IDLE_GRACE_MS));
    expect(nginxIdleS * 1000).toBeLessThan(5000); // HTTP_KEEP_ALIVE_TIMEOUT_MS's default
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

  it('drains before it stops: preStop, then the graceful shutdown, within the grace period', () => {
    const preStop = container.lifecycle.preStop.sleep.seconds as number;
    const shutdown = Number(config.SHUTDOWN_TIMEOUT_MS) / 1000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStop + shutdown);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
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
