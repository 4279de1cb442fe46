import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { METRIC_LABELS, SecurityMetrics } from '../../src/security/monitoring/security-metrics';

/**
 * The shipped Prometheus rules name only metrics the app exports (a renamed metric would leave
 * an alert that can never fire), and only the labels those metrics have.
 */
const DIR = join(__dirname, '..', '..', 'deploy', 'prometheus');
const PROMQL_FUNCTIONS = new Set([
  'sum',
  'rate',
  'increase',
  'clamp_min',
  'histogram_quantile',
  'by',
  'le',
  'up',
  'job',
]);

interface RuleFile {
  groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
}

describe('deploy/prometheus', () => {
  it('every metric the alert rules name is one the app exports', async () => {
    const exported = new Set(
      (await new SecurityMetrics().registry.getMetricsAsJSON()).map((metric) => metric.name),
    );
    const rules = (
      load(readFileSync(join(DIR, 'alerts.rules.yml'), 'utf8')) as RuleFile
    ).groups.flatMap((group) => group.rules);
    expect(rules.length).toBeGreaterThan(5);
    for (const { alert, expr } of rules) {
      const names = [...expr.replace(/\{[^}]*\}/g, '').matchAll(/\b([a-z_][a-z0-9_]*)\b/g)]
        .map((match) => match[1])
        .filter((name) => !PROMQL_FUNCTIONS.has(name) && !/^(reason|type)$/.test(name));
      for (const name of names) {
        const base = name.replace(/_(bucket|sum|count)$/, '');
        expect({ alert, name, exported: exported.has(base) }).toEqual({
          alert,
          name,
          exported: true,
        });
      }
      for (const [, metric, labels] of expr.matchAll(/([a-z_]+)\{([^}]*)\}/g)) {
        const allowed: readonly string[] = [
          'job',
          'le',
          ...(METRIC_LABELS[metric.replace(/_bucket$/, '') as keyof typeof METRIC_LABELS] ?? []),
        ];
        for (const [, label] of labels.matchAll(/(\w+)=/g)) {
          expect({ alert, metric, label, allowed: allowed.includes(label) }).toMatchObject({
            allowed: true,
          });
        }
      }
    }
  });

  it('scrapes the metrics path of several instances', () => {
    const config = load(readFileSync(join(DIR, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ metrics_path: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const [job] = config.scrape_configs;
    expect(job.metrics_path).toBe('/metrics');
    expect(job.static_configs[0].targets.length).toBeGreaterThanOrEqual(2);
  });
});
