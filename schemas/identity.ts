// Who a finding is about. Keys are canonical so that every tool's view of one identity lands on one record:
// AWS ARNs where one exists; `aws:access-key:AKIA…` for keys; see ../shared/DESIGN.md "Contracts".
import { z } from 'zod';

export const IdentityType = z.enum([
  'aws-user',
  'aws-role',
  'aws-root',
  'aws-access-key',
  'aws-service', // an AWS service principal, e.g. scheduler.amazonaws.com
  'gcp-service-account',
  'gcp-principal',
  'azure-principal',
  'k8s-service-account',
  'k8s-role',
  'secret', // a credential found by a scanner, keyed by detector + fingerprint
  'principal', // a named account with no richer type (SIEM user names, Okta actors)
]);
export type IdentityType = z.infer<typeof IdentityType>;

export const Provider = z.enum(['aws', 'gcp', 'azure', 'kubernetes', 'github', 'okta', 'generic']);
export type Provider = z.infer<typeof Provider>;

export const IdentityRef = z.object({
  key: z.string().min(1),
  type: IdentityType,
  provider: Provider,
  /** Cloud account / project / subscription the identity lives in. */
  account: z.string().optional(),
  name: z.string().optional(),
  /** Other ids of the same identity: AIDA…/AROA… unique ids, session ARNs, emails. */
  aliases: z.array(z.string()).default([]),
  /** Owning identity's key: the user an access key belongs to, the role a session came from. */
  owner: z.string().optional(),
});
export type IdentityRef = z.infer<typeof IdentityRef>;
