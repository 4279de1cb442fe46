import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { METRIC_LABELS, SecurityMetrics } from '../../src/security/monitoring/security-metrics';

/**
 * The shipped Prometheus rules and Grafana dashboard name only metrics the app exports, and only
 * the labels those metrics have: a renamed metric would leave an alert that can never fire and a
 * panel that stays empty, both silently.
 */
const DEPLOY = join(__dirname, '..', '..', 'deploy');
const PROMETHEUS = join(DEPLOY, 'prometheus');
const GRAFANA = join(DEPLOY, 'grafana');

/** Labels Prometheus adds to every scraped series (job, instance) or a histogram has (le). */
const TARGET_LABELS = ['job', 'instance'];
/** Not exported by the app but by Prometheus itself for every target: scrape health. */
const PROMETHEUS_SERIES: Record<string, readonly string[]> = { up: [] };
const KEYWORDS = new Set(['or', 'and', 'unless', 'bool', 'offset', 'by', 'without', 'on']);

/** What one PromQL expression names: metrics, the labels it matches on each, the labels it groups by. */
interface Named {
  metrics: string[];
  matchers: Array<{ metric: string; label: string }>;
  groupings: string[];
}

/**
 * A small PromQL reader, enough for the expressions shipped here: Grafana variables become
 * plain values, then label matchers, ranges, offsets and groupings are taken out one by one,
 * and what is left that is not a function or a keyword is a metric name.
 */
function namedIn(expression: string): Named {
  let expr = expression
    .replace(/\$__\w+/g, '5m')
    .replace(/\$\{?\w+\}?/g, 'x')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const matchers: Named['matchers'] = [];
  for (const [, metric, labels] of expr.matchAll(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g)) {
    for (const [, label] of labels.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) {
      matchers.push({ metric, label });
    }
  }
  expr = expr.replace(/\{[^}]*\}/g, ' ');
  const groupings: string[] = [];
  expr = expr.replace(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g, (_, list: string) => {
    groupings.push(...list.split(',').map((label) => label.trim()));
    return ' ';
  });
  // label_values(metric, label): Grafana's variable query; its second argument is a label.
  expr = expr.replace(/\blabel_values\(\s*([\w:]+)\s*,\s*(\w+)\s*\)/g, (_, metric, label) => {
    matchers.push({ metric, label });
    return ` ${metric} `;
  });
  expr = expr
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\boffset\s+\w+/g, ' ')
    .replace(/\b[a-zA-Z_]\w*\s*\(/g, '(');
  const metrics = [...expr.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)/g)]
    .map((match) => match[1])
    .filter((name) => !KEYWORDS.has(name));
  return { metrics, matchers, groupings };
}

/** Every metric of the app's registry, with the labels it may carry. */
async function exportedMetrics(): Promise<Map<string, Set<string>>> {
  const exported = new Map<string, Set<string>>();
  for (const metric of await new SecurityMetrics().registry.getMetricsAsJSON()) {
    const declared: readonly string[] =
      METRIC_LABELS[metric.name as keyof typeof METRIC_LABELS] ?? [];
    // prom-client's default metrics: their labels are the ones their values carry.
    const seen = (metric.values as Array<{ labels: Record<string, unknown> }>).flatMap((value) =>
      Object.keys(value.labels),
    );
    const labels = new Set([...TARGET_LABELS, ...declared, ...seen]);
    exported.set(metric.name, labels);
    if (String(metric.type) === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) {
        exported.set(
          metric.name + suffix,
          new Set([...labels, ...(suffix === '_bucket' ? ['le'] : [])]),
        );
      }
    }
  }
  for (const [name, labels] of Object.entries(PROMETHEUS_SERIES)) {
    exported.set(name, new Set([...TARGET_LABELS, ...labels]));
  }
  return exported;
}

/** What is wrong with one expression: names that are not exported, labels they do not have. */
function problems(where: string, expr: string, exported: Map<string, Set<string>>): string[] {
  const { metrics, matchers, groupings } = namedIn(expr);
  const found: string[] = [];
  if (metrics.length === 0) found.push(`${where}: names no metric`);
  for (const metric of metrics) {
    if (!exported.has(metric)) found.push(`${where}: ${metric} is not exported`);
  }
  for (const { metric, label } of matchers) {
    if (exported.has(metric) && !exported.get(metric)?.has(label)) {
      found.push(`${where}: ${metric} has no label ${label}`);
    }
  }
  for (const label of groupings) {
    if (!metrics.some((metric) => exported.get(metric)?.has(label))) {
      found.push(`${where}: groups by ${label}, a label none of its metrics has`);
    }
  }
  return found;
}

interface RuleFile {
  groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
  panels?: Panel[];
}

interface Dashboard {
  uid: string;
  templating: {
    list: Array<{ name: string; type: string; query: string | { query: string } }>;
  };
  panels: Panel[];
}

const dashboard = (): Dashboard =>
  JSON.parse(readFileSync(join(GRAFANA, 'dashboards', 'weather-api.json'), 'utf8')) as Dashboard;
const allPanels = (panels: Panel[]): Panel[] =>
  panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);

describe('deploy/prometheus and deploy/grafana', () => {
  let exported: Map<string, Set<string>>;
  beforeAll(async () => {
    exported = await exportedMetrics();
  });

  it('the check itself catches a metric that is not exported and a label a metric lacks', () => {
    expect(problems('x', 'sum(rate(no_such_metric_total[5m])) > 0', exported)).toEqual([
      'x: no_such_metric_total is not exported',
    ]);
    expect(problems('x', 'auth_failures_total{route="/v1"}', exported)).toEqual([
      'x: auth_failures_total has no label route',
    ]);
    expect(problems('x', 'sum by (user) (rate(auth_failures_total[5m]))', exported)).toEqual([
      'x: groups by user, a label none of its metrics has',
    ]);
    expect(
      namedIn('sum by (le) (rate(a_bucket{job="j"}[5m])) or b > 0 unless c offset 5m').metrics,
    ).toEqual(['a_bucket', 'b', 'c']);
  });

  it('every metric and label the alert rules name is one the app exports', () => {
    const rules = (
      load(readFileSync(join(PROMETHEUS, 'alerts.rules.yml'), 'utf8')) as RuleFile
    ).groups.flatMap((group) => group.rules);
    expect(rules.length).toBeGreaterThan(5);
    expect(rules.flatMap(({ alert, expr }) => problems(alert, expr, exported))).toEqual([]);
  });

  it('every metric and label the dashboard queries and variables name is one the app exports', () => {
    const { panels, templating } = dashboard();
    const queries = [
      ...allPanels(panels).flatMap((panel) =>
        (panel.targets ?? []).map((target) => [panel.title, target.expr] as const),
      ),
      ...templating.list
        .filter((variable) => variable.type === 'query')
        .map((variable) => {
          const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
          return [`variable ${variable.name}`, query] as const;
        }),
    ];
    expect(queries.length).toBeGreaterThan(20);
    expect(queries.flatMap(([where, expr]) => problems(where, expr, exported))).toEqual([]);
  });

  it('the dashboard reads its Prometheus from a datasource variable, with unique panel ids', () => {
    const { uid, panels, templating } = dashboard();
    expect(uid).toBe('weather-api');
    expect(templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const every = allPanels(panels);
    expect(new Set(every.map((panel) => panel.id)).size).toBe(every.length);
    for (const panel of every.filter((p) => p.type !== 'row')) {
      expect({ title: panel.title, uid: panel.datasource?.uid }).toEqual({
        title: panel.title,
        uid: '${datasource}',
      });
      for (const target of panel.targets ?? [])
        expect(target.datasource?.uid).toBe('${datasource}');
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
    }
  });

  it('Grafana provisioning: a Prometheus datasource and a file provider for the dashboard folder', () => {
    const datasources = load(
      readFileSync(join(GRAFANA, 'provisioning', 'datasources', 'prometheus.yaml'), 'utf8'),
    ) as { datasources: Array<{ type: string; url: string }> };
    expect(datasources.datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', url: expect.stringMatching(/^https?:\/\//) }),
    ]);
    const providers = load(
      readFileSync(join(GRAFANA, 'provisioning', 'dashboards', 'weather-api.yaml'), 'utf8'),
    ) as { providers: Array<{ type: string; options: { path: string } }> };
    expect(providers.providers).toEqual([
      expect.objectContaining({
        type: 'file',
        options: expect.objectContaining({ path: expect.any(String) }),
      }),
    ]);
  });

  it('scrapes the metrics path of several instances', () => {
    const config = load(readFileSync(join(PROMETHEUS, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ metrics_path: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const [job] = config.scrape_configs;
    expect(job.metrics_path).toBe('/metrics');
    expect(job.static_configs[0].targets.length).toBeGreaterThanOrEqual(2);
  });
});
