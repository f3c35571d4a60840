// `nhi evidence export`: the matching remediations' workflow histories (every run of each continue-as-new chain,
// of the parent identity workflow and of its follow-up workflow), decoded with the payload codecs when
// configured, a summary derived from them, the reviewer report, and a manifest hashed, signed and chained to the previous export.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { encodeIdentityKey, remediationIdParts } from '../risk/decide.ts';
import { sha256 } from './canonical.ts';
import { CASE_KINDS, caseMatches, kindsFor } from './case-kinds.ts';
import type { CaseSummary } from './case-summary.ts';
import { fetchRunChain, type Run } from './fetch-history.ts';
import { historyJson, runFromJson } from './history-json.ts';
import { iamUser, isAccessKeyIdentity, remediatesKeyOf } from './key-owner.ts';
import { KEY_ROTATION_FILE, type KeyRotation } from './key-rotation.ts';
import {
  type ChainLink,
  type ExportQuery,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  type Manifest,
  type ManifestCase,
  type ManifestFile,
  SIGNATURE_FILE,
  type Signature,
} from './manifest.ts';
import { renderReport } from './report.ts';
import type { EvidenceSigner } from './signing-key.ts';
import {
  deriveRemediationSummary,
  followUpStarted,
  type RemediationSummary,
  type RunEvents,
} from './summary.ts';
import { visibilityWindow } from './visibility-window.ts';

export const REMEDIATION_WORKFLOW_TYPE = 'remediationWorkflow';

/** Where histories come from: Temporal (temporalSource) or, in tests, recorded histories. */
export interface HistorySource {
  namespace: string;
  /** How its payloads are encoded (the client's payload codecs): the export writes them decoded. */
  codecs?: readonly PayloadCodec[];
  runChain(workflowId: string): Promise<Run[]>;
  remediations(query: ExportQuery): Promise<string[]>;
  /**
   * For `--identity` naming an IAM user: remediations of access keys in the query's window and action, oldest
   * first; the export keeps those whose plan acted for that user (key-owner.ts).
   */
  keyRemediations?(query: ExportQuery): Promise<string[]>;
  /** Workflows holding other cases (identities with exception requests, access requests), besides the remediations' parents. */
  caseHolders?(query: ExportQuery, skipped?: (line: string) => void): Promise<string[]>;
}

export const temporalSource = (client: Client): HistorySource => ({
  namespace: client.options.namespace,
  codecs: client.options.loadedDataConverter.payloadCodecs,
  runChain: (workflowId) => fetchRunChain(client, workflowId),
  remediations: (query) => selectRemediations(client, query),
  keyRemediations: (query) =>
    selectRemediations(client, { ...query, identity: undefined }, (key) => isAccessKeyIdentity(key)),
  caseHolders: async (query, skipped) => {
    const ids = new Set<string>();
    for (const kind of Object.values(CASE_KINDS))
      for (const id of (await kind.holders?.(client, query, skipped)) ?? []) ids.add(id);
    return [...ids].sort();
  },
});

export interface ExportOptions {
  outDir: string;
  signer: EvidenceSigner;
  query?: ExportQuery;
  /** Export these workflows instead of querying remediations (remediations among them get a summary). */
  workflowIds?: string[];
  /** The previous export's link; null or absent starts a chain. */
  previous?: ChainLink | null;
  codecs?: readonly PayloadCodec[];
  progress?: (line: string) => void;
  now?: Date;
  /** Temporal's Web UI base URL: the report links each workflow run to its page there. */
  webUi?: string;
  /** The key-rotation record that links the previous export's key to this one's (evidence/key-rotation.ts). */
  rotation?: KeyRotation;
}

export interface ExportResult {
  dir: string;
  manifest: Manifest;
  manifestSha256: string;
  summaries: RemediationSummary[];
  /** The other cases (exception requests…), in manifest order. */
  cases: CaseSummary[];
}

const safeName = (id: string) => id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 180);

/**
 * Remediation workflow ids matching the query (and `keep`, given the identity key as the id spells it), oldest first.
 * Visibility is the index; histories are the record.
 */
export async function selectRemediations(
  client: Client,
  query: ExportQuery = {},
  keep: (identityKey: string) => boolean = () => true,
): Promise<string[]> {
  const ids = new Map<string, number>();
  for await (const wf of client.workflow.list({
    query: visibilityWindow(REMEDIATION_WORKFLOW_TYPE, query),
  })) {
    const { action, key } = remediationIdParts(wf.workflowId) ?? {};
    if (query.action && action !== query.action) continue;
    if (query.identity && key !== encodeIdentityKey(query.identity)) continue;
    if (!key || !keep(key)) continue;
    const at = wf.startTime.getTime();
    ids.set(wf.workflowId, Math.min(at, ids.get(wf.workflowId) ?? at));
  }
  return [...ids.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
}

export async function exportEvidence(
  from: Client | HistorySource,
  opts: ExportOptions,
): Promise<ExportResult> {
  const source = 'runChain' in from ? from : temporalSource(from);
  const progress = opts.progress ?? (() => {});
  const query = opts.query ?? {};
  const dir = opts.outDir;
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length) throw new Error(`${dir} is not empty: an export goes into a new directory`);

  const files: ManifestFile[] = [];
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
    files.push({ path, sha256: sha256(content), bytes: Buffer.byteLength(content) });
  };

  // One chain per workflow, fetched once even when several remediations share the parent identity; its files are
  // written the first time a case names it (a workflow read only to look for cases adds nothing when none match).
  interface Chain {
    paths: string[];
    runs: RunEvents[];
    json: string[];
  }
  const loaded = new Map<string, Chain>();
  const written = new Set<string>();
  const load = async (workflowId: string): Promise<Chain> => {
    const known = loaded.get(workflowId);
    if (known) return known;
    const runs = await source.runChain(workflowId);
    const chain: Chain = { paths: [], runs: [], json: [] };
    for (const [i, run] of runs.entries()) {
      const json = await historyJson(run.history, opts.codecs ?? source.codecs);
      chain.paths.push(`histories/${safeName(workflowId)}${runs.length > 1 ? `.run-${i + 1}` : ''}.json`);
      chain.json.push(json);
      chain.runs.push(runFromJson(json));
    }
    loaded.set(workflowId, chain);
    return chain;
  };
  const chainOf = async (workflowId: string) => {
    const chain = await load(workflowId);
    if (!written.has(workflowId)) {
      written.add(workflowId);
      for (const [i, path] of chain.paths.entries()) write(path, chain.json[i]!);
    }
    return chain;
  };

  const ids = opts.workflowIds ?? [
    ...(await source.remediations(query)),
    ...(await keyRemediationsOfUser(source, query, load)),
  ];
  progress(`evidence: ${ids.length} workflow(s) to export`);
  const cases: ManifestCase[] = [];
  const summaries: RemediationSummary[] = [];
  for (const [i, workflowId] of ids.entries()) {
    const own = await chainOf(workflowId);
    const started = own.runs[0]?.events[0]?.attrs;
    const type = (started?.workflowType as { name?: string } | undefined)?.name;
    if (type !== REMEDIATION_WORKFLOW_TYPE) {
      cases.push({ kind: 'workflow', workflowId, histories: own.paths });
    } else {
      const parentId = (started?.parentWorkflowExecution as { workflowId?: string } | undefined)?.workflowId;
      const parent = parentId ? await chainOf(parentId).catch(() => undefined) : undefined;
      // The follow-up is part of the case: its history is the record of re-checks, drift and rollback.
      const followUpId = followUpStarted(own.runs);
      const followUp = followUpId ? await chainOf(followUpId) : undefined;
      const summary = deriveRemediationSummary(own.runs, parent?.runs ?? [], followUp?.runs ?? []);
      const path = `summaries/${safeName(workflowId)}.json`;
      write(path, `${JSON.stringify(summary, null, 2)}\n`);
      summaries.push(summary);
      cases.push({
        kind: 'remediation',
        workflowId,
        summary: path,
        histories: own.paths,
        identityHistories: parent?.paths ?? [],
        ...(followUp ? { followUpHistories: followUp.paths } : {}),
      });
    }
    progress(`evidence: ${i + 1}/${ids.length} ${workflowId} (${own.runs.length} run(s))`);
  }

  // Other cases: every exported history of a type that holds them (the remediations' identities), and the
  // workflows the source names as holding them; each case that matches the query is its own case in the manifest.
  const others: CaseSummary[] = [];
  // Workflows named by id are the whole selection: no query for more.
  const named = opts.workflowIds ? [] : ((await source.caseHolders?.(query, progress)) ?? []);
  const holders = [...loaded.keys(), ...named];
  for (const workflowId of [...new Set(holders)]) {
    const chain = await load(workflowId);
    const type = (chain.runs[0]?.events[0]?.attrs.workflowType as { name?: string } | undefined)?.name;
    for (const kind of kindsFor(type)) {
      for (const c of CASE_KINDS[kind].derive(chain.runs)) {
        if (!caseMatches(c, query)) continue;
        await chainOf(workflowId);
        const path = `summaries/${kind}/${safeName(c.id)}.json`;
        write(path, `${JSON.stringify(c, null, 2)}\n`);
        others.push(c);
        cases.push({ kind, id: c.id, workflowId, summary: path, histories: chain.paths });
      }
    }
  }
  if (others.length)
    progress(
      `evidence: ${others.length} other case(s) (${[...new Set(others.map((c) => c.kind))].join(', ')})`,
    );

  const exportedAt = (opts.now ?? new Date()).toISOString();
  const previous = opts.previous
    ? { sequence: opts.previous.sequence, manifestSha256: opts.previous.manifestSha256 }
    : null;
  if (opts.rotation) {
    if (opts.rotation.to !== opts.signer.publicKey)
      throw new Error(`the key-rotation record hands over to ${opts.rotation.to}, not to this export's key`);
    write(KEY_ROTATION_FILE, `${JSON.stringify(opts.rotation, null, 2)}\n`);
  }
  const sequence = previous ? previous.sequence + 1 : 1;
  const meta = {
    exportedAt,
    namespace: source.namespace,
    query,
    sequence,
    previous,
    ...(opts.webUi ? { webUi: opts.webUi } : {}),
  };
  const report = renderReport(summaries, meta, others);
  write('report.md', report.markdown);
  write('report.html', report.html);

  files.sort((a, b) => (a.path < b.path ? -1 : 1));
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    ...meta,
    publicKey: opts.signer.publicKey,
    files,
    cases,
  };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  const manifestSha256 = sha256(manifestText);
  writeFileSync(join(dir, MANIFEST_FILE), manifestText);
  const signature: Signature = {
    algorithm: 'ed25519',
    publicKey: opts.signer.publicKey,
    manifestSha256,
    signature: opts.signer.sign(Buffer.from(manifestText)),
  };
  writeFileSync(join(dir, SIGNATURE_FILE), `${JSON.stringify(signature, null, 2)}\n`);
  progress(`evidence: ${files.length} file(s), manifest sha256 ${manifestSha256}, export #${sequence}`);
  return { dir, manifest, manifestSha256, summaries, cases: others };
}

/**
 * With `--identity` naming an IAM user, the remediations of that user's access keys: each candidate's history is
 * read (not written) and kept when its plan acted for the user.
 */
async function keyRemediationsOfUser(
  source: HistorySource,
  query: ExportQuery,
  load: (workflowId: string) => Promise<{ runs: RunEvents[] }>,
): Promise<string[]> {
  if (!query.identity || !iamUser(query.identity) || !source.keyRemediations) return [];
  const owned: string[] = [];
  for (const id of await source.keyRemediations(query)) {
    const { runs } = await load(id);
    if (remediatesKeyOf(deriveRemediationSummary(runs, []), query.identity)) owned.push(id);
  }
  return owned;
}

/** The link the next export names. */
export const linkTo = (result: { manifest: Manifest; manifestSha256: string }): ChainLink => ({
  sequence: result.manifest.sequence,
  manifestSha256: result.manifestSha256,
});
