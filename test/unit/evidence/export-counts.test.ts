// The line `nhi evidence export` ends with counts every case kind the manifest lists (evidence/export-counts.ts):
// access requests and refusals too, so the summary matches the export.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportEvidence } from '../../../evidence/export.ts';
import { caseCounts, caseCountText } from '../../../evidence/export-counts.ts';
import { accessFixtureSource, testSigner } from '../../support/evidence.ts';

describe('export case counts', () => {
  it('count the access cases an export writes, and add up to every case in its manifest', async () => {
    const source = accessFixtureSource();
    const result = await exportEvidence(source, {
      outDir: join(mkdtempSync(join(tmpdir(), 'nhi-export-counts-')), 'export'),
      signer: testSigner(),
      workflowIds: source.ids,
    });
    const access = result.manifest.cases.filter((c) => c.kind === 'access').length;
    expect(access).toBeGreaterThan(0);
    const counts = caseCounts(result.manifest.cases);
    expect(counts.accessRequests).toBe(access);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(result.manifest.cases.length);
    expect(caseCountText(result.manifest.cases)).toContain(`${access} access request(s)`);
  });

  it('name refusal cases when there are any, and always remediations, exception and access requests', () => {
    const kinds = [
      'remediation',
      'access',
      'control-refusal',
      'control-refusal',
      'registry-refusal',
    ] as const;
    expect(caseCountText(kinds.map((kind) => ({ kind })))).toBe(
      '1 remediation(s), 0 exception request(s), 1 access request(s), 2 enforcement-control refusal(s), 1 team-action registry refusal(s)',
    );
    expect(caseCountText([])).toBe('0 remediation(s), 0 exception request(s), 0 access request(s)');
    expect(caseCounts([{ kind: 'exception' }])).toEqual({
      remediations: 0,
      exceptions: 1,
      accessRequests: 0,
      controlRefusals: 0,
      registryRefusals: 0,
      workflows: 0,
    });
  });
});
