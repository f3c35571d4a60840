// The manifest of an export: every file with its SHA-256, what the export selected, which histories each summary
// is derived from, and the link to the previous export. manifest.sig.json signs the manifest's exact bytes with
// the deployment's evidence key, so editing any file means editing the manifest, which breaks the signature.
import { z } from 'zod';

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig.json';
export const MANIFEST_FORMAT = 'nhi-evidence/1';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const ManifestFile = z.strictObject({
  path: z.string().min(1),
  sha256: Sha256,
  bytes: z.int().min(0),
});
export type ManifestFile = z.infer<typeof ManifestFile>;

/** Case kinds derived from histories by evidence/case-kinds.ts (a remediation has its own shape below). */
export const DERIVED_CASE_KINDS = ['exception', 'access', 'control-refusal', 'registry-refusal'] as const;
export type DerivedCaseKind = (typeof DERIVED_CASE_KINDS)[number];

export const ManifestCase = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('remediation'),
    workflowId: z.string(),
    summary: z.string(),
    /** The remediation's run chain, oldest first. */
    histories: z.array(z.string()).min(1),
    /** Its parent identity workflow's run chain, when exported. */
    identityHistories: z.array(z.string()),
    /** Its follow-up workflow's run chain (re-checks, drift, rollback), when it executed and started one. */
    followUpHistories: z.array(z.string()).optional(),
  }),
  /** A case of a derived kind (an exception request, a just-in-time access request…): its summary, and the run chain it is derived from. */
  z.strictObject({
    kind: z.enum(DERIVED_CASE_KINDS),
    id: z.string(),
    workflowId: z.string(),
    summary: z.string(),
    histories: z.array(z.string()).min(1),
  }),
  /** A workflow exported by id (an identity, a team workflow): its histories only. */
  z.strictObject({
    kind: z.literal('workflow'),
    workflowId: z.string(),
    histories: z.array(z.string()).min(1),
  }),
]);
export type ManifestCase = z.infer<typeof ManifestCase>;

export const ExportQuery = z.strictObject({
  identity: z.string().optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  action: z.string().optional(),
  /** Which time since/until bound: when the remediation started (default), or when it closed (archives). */
  window: z.enum(['started', 'closed']).optional(),
});
export type ExportQuery = z.infer<typeof ExportQuery>;

export const ChainLink = z.strictObject({ sequence: z.int().min(1), manifestSha256: Sha256 });
export type ChainLink = z.infer<typeof ChainLink>;

export const Manifest = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  exportedAt: z.string(),
  namespace: z.string(),
  query: ExportQuery,
  /** 1 for the first export of a deployment's chain, then +1 each time. */
  sequence: z.int().min(1),
  /** The export before this one (null for the first): a missing export in the series is visible. */
  previous: ChainLink.nullable(),
  /** Temporal's Web UI the report links each workflow run to, when given at export. */
  webUi: z.url().optional(),
  /** The evidence key's public half (hex); also in manifest.sig.json. */
  publicKey: z.string().regex(/^[0-9a-f]{64}$/),
  files: z.array(ManifestFile),
  cases: z.array(ManifestCase),
});
export type Manifest = z.infer<typeof Manifest>;

export const Signature = z.strictObject({
  algorithm: z.literal('ed25519'),
  publicKey: z.string().regex(/^[0-9a-f]{64}$/),
  /** SHA-256 of manifest.json's bytes, as signed. */
  manifestSha256: Sha256,
  /** Ed25519 over manifest.json's bytes (hex). */
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});
export type Signature = z.infer<typeof Signature>;

/** One readable line for a zod failure. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`;
}
