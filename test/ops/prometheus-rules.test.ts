// The alert rules: promtool accepts them, their promtool unit tests pass (each alert firing and not
// firing), every alert required by the operations kit is there with severity/summary/description/for,
// and the Prometheus Operator copy (PrometheusRule) is exactly the plain rules file.

import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run, skipWithout } from './ops-tools.ts';
import { CRD_FILE, RULES_FILE, renderPrometheusRule } from './prometheus-rule-crd.ts';

const TEST_FILE = RULES_FILE.replace(/\.yaml$/, '.test.yaml');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RulesFile {
  groups: { name: string; rules: Rule[] }[];
}

const REQUIRED = [
  'OvncpPathExpectationViolated',
  'OvncpPathCheckStale',
  'OvncpPathUnexpectedServices',
  'OvncpPathViolatedThenUnverifiable',
  'OvncpPathUnverified',
  'OvncpMonitorDown',
  'OvncpOvsdbDisconnected',
  'OvncpConfigReloadFailed',
  'OvncpEngineDisagreement',
  'OvncpShardingMismatch',
];

/** Alerts that fire at once: they continue an alert that already waited out its own `for:`. */
const NO_FOR = new Set(['OvncpPathViolatedThenUnverifiable']);

const rulesFile = (): RulesFile => parse(readFileSync(RULES_FILE, 'utf8')) as RulesFile;
const alerts = (): Rule[] => rulesFile().groups.flatMap((g) => g.rules.filter((r) => r.alert));

/** Prometheus durations like 3m, 1h30m, 15s → seconds. */
function seconds(d: string): number {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
    const mult = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 }[unit!]!;
    total += Number(n) * mult;
  }
  return total;
}

describe.skipIf(skipWithout(['promtool']))('promtool', () => {
  it('check rules accepts the rules file', async () => {
    const r = await run('promtool', ['check', 'rules', RULES_FILE]);
    expect(r.stderr + r.stdout).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('test rules: every unit test passes', async () => {
    const r = await run('promtool', ['test', 'rules', TEST_FILE], dirname(TEST_FILE));
    expect(r.stdout + r.stderr, r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });
});

describe('alert rules', () => {
  it('has every required alert, each with severity, summary, description and (most) a for: of at least 1m', () => {
    const byName = new Map(alerts().map((r) => [r.alert!, r]));
    for (const name of REQUIRED) {
      const rule = byName.get(name);
      expect(rule, name).toBeDefined();
      expect(['critical', 'warning', 'info'], name).toContain(rule!.labels?.severity);
      expect(rule!.annotations?.summary, name).toMatch(/\S/);
      expect(rule!.annotations?.description, name).toMatch(/\S/);
      if (!NO_FOR.has(name)) expect(seconds(rule!.for ?? '0s'), `${name} for:`).toBeGreaterThanOrEqual(60);
    }
    expect(byName.get('OvncpPathExpectationViolated')!.labels!.severity).toBe('critical');
    expect(byName.get('OvncpPathViolatedThenUnverifiable')!.labels!.severity).toBe('critical');
  });

  it('alerts per path on error and no_checks, never per reason alone', () => {
    const rule = alerts().find((r) => r.alert === 'OvncpPathUnverified')!;
    expect(rule.expr).toContain('ovncp_path_status{status=~"error|no_checks"}');
    expect(`${rule.annotations!.summary} ${rule.annotations!.description}`).toContain('$labels.reason');
    expect(alerts().some((r) => /sum by \([^)]*reason/.test(r.expr))).toBe(false);
  });

  it('names the path and blocked_by in the expectation alert', () => {
    const rule = alerts().find((r) => r.alert === 'OvncpPathExpectationViolated')!;
    const text = `${rule.annotations!.summary} ${rule.annotations!.description}`;
    expect(text).toContain('$labels.path');
    expect(text).toContain('$labels.blocked_by');
  });

  it('has a promtool unit test for every alert, both firing and not firing', () => {
    const tests = parse(readFileSync(TEST_FILE, 'utf8')) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const rule of alerts()) {
      const mine = cases.filter((c) => c.alertname === rule.alert);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${rule.alert} shown firing`,
      ).toBe(true);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${rule.alert} shown not firing`,
      ).toBe(true);
    }
  });
});

describe('PrometheusRule for the Prometheus Operator', () => {
  it('is the generated copy of the plain rules file (regenerate: npx tsx test/ops/prometheus-rule-crd.ts)', () => {
    const expected = renderPrometheusRule(readFileSync(RULES_FILE, 'utf8'));
    expect(readFileSync(CRD_FILE, 'utf8')).toBe(expected);
  });

  it('carries exactly the same groups, by value', () => {
    const crd = parse(readFileSync(CRD_FILE, 'utf8')) as { kind: string; spec: RulesFile };
    expect(crd.kind).toBe('PrometheusRule');
    expect(crd.spec.groups).toEqual(rulesFile().groups);
  });
});
