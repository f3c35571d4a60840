// Evidence test support: a throwaway Ed25519 evidence key, and recorded remediation/identity histories
// (test/fixtures/evidence/, written by test/integration/evidence-export.test.ts) served as a HistorySource, so
// unit tests export, verify and render real histories without a server.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { HistorySource } from '../../evidence/export.ts';
import { runFromJson } from '../../evidence/history-json.ts';
import type { Manifest } from '../../evidence/manifest.ts';
import { type EvidenceSigner, evidenceSigner } from '../../evidence/signing-key.ts';
import { followUpStarted } from '../../evidence/summary.ts';
import { withExampleAccessKeys } from './fixture-keys.ts';

export function testSigner(): EvidenceSigner & { keyFile: string } {
  const keyFile = join(mkdtempSync(join(tmpdir(), 'nhi-evidence-key-')), 'evidence.json');
  return { ...evidenceSigner(keyFile, { create: true }), keyFile };
}

const fixturesDir = fileURLToPath(new URL('../fixtures/evidence/', import.meta.url));
const INDEX = 'index.json';

interface FixtureIndex {
  namespace: string;
  /** workflow id → its run chain's files, oldest first. */
  chains: Record<string, string[]>;
  remediations: string[];
}

/** Copies an export's histories as fixtures, once (or again with NHI_RECORD_HISTORIES=1); EXAMPLE key ids. */
export function recordEvidenceFixtures(dir: string, manifest: Manifest): void {
  if (existsSync(join(fixturesDir, INDEX)) && process.env.NHI_RECORD_HISTORIES !== '1') return;
  const chains: Record<string, string[]> = {};
  const histories: Record<string, unknown> = {};
  // Neutral file names: the exported ones hold key ids where an EXAMPLE swap cannot see them.
  const names = new Map<string, string>();
  const nameOf = (path: string) => {
    if (!names.has(path)) names.set(path, `history-${names.size + 1}.json`);
    return names.get(path)!;
  };
  for (const c of manifest.cases) {
    if (c.kind !== 'remediation') continue;
    const parent = c.identityHistories.length
      ? (JSON.parse(readFileSync(join(dir, c.histories[0]!), 'utf8')).events[0]
          .workflowExecutionStartedEventAttributes.parentWorkflowExecution.workflowId as string)
      : undefined;
    const followUpId = c.followUpHistories?.length
      ? followUpStarted(c.histories.map((f) => runFromJson(readFileSync(join(dir, f), 'utf8'))))
      : undefined;
    for (const [id, files] of [
      [c.workflowId, c.histories],
      ...(parent ? [[parent, c.identityHistories] as const] : []),
      ...(followUpId ? [[followUpId, c.followUpHistories ?? []] as const] : []),
    ] as const) {
      chains[id] = files.map(nameOf);
      for (const f of files) histories[nameOf(f)] = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    }
  }
  const index: FixtureIndex = {
    namespace: manifest.namespace,
    chains,
    remediations: manifest.cases.filter((c) => c.kind === 'remediation').map((c) => c.workflowId),
  };
  // One text, so one access-key id gets the same EXAMPLE id in every file and in the workflow ids.
  const swapped = JSON.parse(withExampleAccessKeys(JSON.stringify({ index, histories }))) as {
    index: FixtureIndex;
    histories: Record<string, unknown>;
  };
  mkdirSync(fixturesDir, { recursive: true });
  const written: string[] = [];
  for (const [name, history] of Object.entries(swapped.histories)) {
    const file = join(fixturesDir, name);
    writeFileSync(file, `${JSON.stringify(history, null, 2)}\n`);
    written.push(file);
  }
  writeFileSync(join(fixturesDir, INDEX), `${JSON.stringify(swapped.index, null, 2)}\n`);
  execFileSync(
    fileURLToPath(new URL('../../node_modules/.bin/biome', import.meta.url)),
    ['format', '--write', fixturesDir],
    { stdio: 'ignore' },
  );
}

/** The recorded histories as a HistorySource, and the remediations among them. */
export function fixtureSource(): HistorySource & { ids: string[] } {
  const index = JSON.parse(readFileSync(join(fixturesDir, INDEX), 'utf8')) as FixtureIndex;
  return {
    namespace: index.namespace,
    ids: index.remediations,
    remediations: async () => index.remediations,
    runChain: async (workflowId) => {
      const files = index.chains[workflowId];
      if (!files) throw new Error(`no recorded history for ${workflowId}`);
      return files.map((f) => {
        const history = historyFromJSON(JSON.parse(readFileSync(join(fixturesDir, f), 'utf8')));
        const runId =
          history.events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId ?? '?';
        return { runId, history };
      });
    },
  };
}

const exceptionFixturesDir = fileURLToPath(new URL('../fixtures/evidence-exceptions/', import.meta.url));
const accessFixturesDir = fileURLToPath(new URL('../fixtures/evidence-access/', import.meta.url));

/**
 * Copies the histories of an export's cases of one kind as fixtures (one file per workflow run), once or again
 * with NHI_RECORD_HISTORIES=1; EXAMPLE key ids.
 */
function recordCaseFixtures(
  kind: 'exception' | 'access',
  fixtures: string,
  prefix: string,
  dir: string,
  manifest: Manifest,
): void {
  if (existsSync(join(fixtures, INDEX)) && process.env.NHI_RECORD_HISTORIES !== '1') return;
  const chains: Record<string, string[]> = {};
  for (const c of manifest.cases) {
    if (c.kind !== kind || chains[c.workflowId]) continue;
    chains[c.workflowId] = c.histories.map((f, i) => {
      const name = `${prefix}-${Object.keys(chains).length + 1}${c.histories.length > 1 ? `.run-${i + 1}` : ''}.json`;
      mkdirSync(fixtures, { recursive: true });
      writeFileSync(join(fixtures, name), withExampleAccessKeys(readFileSync(join(dir, f), 'utf8')));
      return name;
    });
  }
  const index: FixtureIndex = { namespace: manifest.namespace, chains, remediations: [] };
  writeFileSync(join(fixtures, INDEX), `${JSON.stringify(index, null, 2)}\n`);
  execFileSync(
    fileURLToPath(new URL('../../node_modules/.bin/biome', import.meta.url)),
    ['format', '--write', fixtures],
    { stdio: 'ignore' },
  );
}

/** The recorded histories of one case kind as a HistorySource, and their workflow ids. */
function caseFixtureSource(fixtures: string): HistorySource & { ids: string[] } {
  const index = JSON.parse(readFileSync(join(fixtures, INDEX), 'utf8')) as FixtureIndex;
  return {
    namespace: index.namespace,
    ids: Object.keys(index.chains),
    remediations: async () => [],
    runChain: async (workflowId) =>
      (index.chains[workflowId] ?? []).map((f) => {
        const history = historyFromJSON(JSON.parse(readFileSync(join(fixtures, f), 'utf8')));
        const runId =
          history.events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId ?? '?';
        return { runId, history };
      }),
  };
}

/** Identity histories holding exception requests (test/integration/identity-exception.test.ts records them). */
export const recordExceptionFixtures = (dir: string, manifest: Manifest) =>
  recordCaseFixtures('exception', exceptionFixturesDir, 'identity', dir, manifest);
export const exceptionFixtureSource = () => caseFixtureSource(exceptionFixturesDir);

/** Access-request histories (test/integration/access-grants.test.ts records them). */
export const recordAccessFixtures = (dir: string, manifest: Manifest) =>
  recordCaseFixtures('access', accessFixturesDir, 'access', dir, manifest);
export const accessFixtureSource = () => caseFixtureSource(accessFixturesDir);
