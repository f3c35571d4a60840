// trivy k8s cluster report as trivy wrote it before 0.37: {ClusterName, Vulnerabilities:[workload],
// Misconfigurations:[workload]} (source: test/fixtures/trivy/README.md).
import { describe, expect, it } from 'vitest';
import { canariesIn, makeCanaries, plantInFreeText } from '../../../support/canaries.ts';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, outcomesOf } from '../../../support/normalize.ts';

const file = fixtureFile('trivy/k8s-cluster-pre-0.37.json');
const CLUSTER = 'arn:aws:eks:us-east-1:111122223333:cluster/monitoring-test-cluster';

describe('trivy k8s report, pre-0.37 split lists', () => {
  const findings = findingsOf(file, { format: 'auto' });

  it('auto names trivy; each failed check of each workload is a finding (package CVEs are not read)', () => {
    expect(outcomesOf(file, { format: 'auto' }).map((o) => o.format)).toEqual(['trivy', 'trivy']);
    expect(findings.map((f) => f.evidence.check)).toEqual(['KSV012', 'KSV014']);
    expect(findings.map((f) => f.kind)).toEqual(['misconfiguration', 'misconfiguration']);
    expect(findings.map((f) => f.severity)).toEqual([
      { label: 'medium', score: 50 },
      { label: 'low', score: 30 },
    ]);
  });

  it('the workload and the cluster are resources; a pod security setting names no identity', () => {
    for (const f of findings) {
      expect(f.identities).toEqual([]);
      expect(f.resources).toContainEqual({
        uid: 'default/Deployment/redis-leader',
        type: 'k8s-deployment',
        name: 'redis-leader',
      });
      expect(f.resources.map((r) => r.uid)).toContain(CLUSTER);
    }
  });

  it('no secret planted in its free text comes out', () => {
    const canaries = makeCanaries();
    const planted = plantInFreeText(JSON.parse(file.toString('utf8')), canaries.prose);
    expect(
      canariesIn(JSON.stringify(findingsOf(JSON.stringify(planted), { format: 'auto' })), canaries),
    ).toEqual([]);
  });
});
