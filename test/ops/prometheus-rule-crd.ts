// Builds deploy/kubernetes/common/prometheusrule.yaml (the Prometheus Operator's PrometheusRule) from the
// plain rules file deploy/prometheus/ovncp-rules.yaml, so the two can never drift apart.
// Regenerate after editing the rules: `npx tsx test/ops/prometheus-rule-crd.ts`.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, parseDocument } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');
export const RULES_FILE = join(ROOT, 'deploy/prometheus/ovncp-rules.yaml');
export const CRD_FILE = join(ROOT, 'deploy/kubernetes/common/prometheusrule.yaml');

const HEADER = [
  ' GENERATED from deploy/prometheus/ovncp-rules.yaml by test/ops/prometheus-rule-crd.ts - do not edit.',
  ' Regenerate: npx tsx test/ops/prometheus-rule-crd.ts (a test fails while the two differ).',
].join('\n');

/** The PrometheusRule text for the given rules-file text; comments of the rules are kept. */
export function renderPrometheusRule(rulesText: string): string {
  const rules = parseDocument(rulesText);
  if (rules.errors.length > 0) throw new Error(`ovncp-rules.yaml: ${rules.errors[0]!.message}`);
  const groups = rules.get('groups', true);
  const doc = new Document({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'ovncp-monitor', labels: { 'app.kubernetes.io/name': 'ovncp-monitor' } },
    spec: {},
  });
  doc.setIn(['spec', 'groups'], groups);
  doc.commentBefore = HEADER;
  return doc.toString({ lineWidth: 110 });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(CRD_FILE, renderPrometheusRule(readFileSync(RULES_FILE, 'utf8')));
  console.log(`wrote ${CRD_FILE}`);
}
