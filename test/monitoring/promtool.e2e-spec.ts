import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';

/**
 * promtool (Debian's prometheus package) on what deploy/ ships: the scrape config, the alert
 * rules, their unit tests (alerts.test.yml), and the syntax of every dashboard query. Without
 * promtool this skips on a workstation, and fails in CI (CI=true), where .ci/run installs it.
 */
const DEPLOY = join(__dirname, '..', '..', 'deploy');
const PROMETHEUS = join(DEPLOY, 'prometheus');
const found = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
const inCi = process.env.CI === 'true';
const withPromtool = found || inCi ? describe : describe.skip;
if (!found && !inCi) {
  console.warn('promtool specs skipped: promtool is not installed (apt-get install prometheus)');
}

function promtool(...args: string[]): string {
  if (!found) throw new Error('promtool is missing: CI must install the prometheus package');
  return execFileSync('promtool', args, { cwd: PROMETHEUS, encoding: 'utf8', timeout: 60_000 });
}

interface Panel {
  id: number;
  targets?: Array<{ refId: string; expr: string }>;
  panels?: Panel[];
}

withPromtool('promtool on deploy/prometheus and the dashboard queries', () => {
  it('checks the scrape config and the rule file it loads', () => {
    expect(promtool('check', 'config', 'prometheus.yml')).toMatch(/SUCCESS/);
  });

  it('checks the alert rules', () => {
    expect(promtool('check', 'rules', 'alerts.rules.yml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('passes the unit tests of every alert rule', () => {
    expect(promtool('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
    const tested = readFileSync(join(PROMETHEUS, 'alerts.test.yml'), 'utf8');
    const rules = readFileSync(join(PROMETHEUS, 'alerts.rules.yml'), 'utf8');
    for (const [, alert] of rules.matchAll(/- alert: (\w+)/g)) {
      expect({ alert, tested: tested.includes(`alertname: ${alert}\n`) }).toEqual({
        alert,
        tested: true,
      });
    }
  });

  it('every dashboard query is valid PromQL (as a recording rule, Grafana variables filled in)', () => {
    const dashboard = JSON.parse(
      readFileSync(join(DEPLOY, 'grafana', 'dashboards', 'weather-api.json'), 'utf8'),
    ) as { panels: Panel[] };
    const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
    const rules = panels(dashboard.panels).flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        record: `dashboard:panel_${panel.id}_${target.refId}`,
        expr: target.expr
          .replace(/\$__rate_interval/g, '1m')
          .replace(/\$__range/g, '1h')
          .replace(/\$\{?\w+\}?/g, '.*'),
      })),
    );
    expect(rules.length).toBeGreaterThan(20);
    const dir = mkdtempSync(join(tmpdir(), 'weather-dashboard-'));
    try {
      const file = join(dir, 'dashboard.rules.yml');
      writeFileSync(file, dump({ groups: [{ name: 'dashboard', rules }] }));
      expect(promtool('check', 'rules', file)).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
