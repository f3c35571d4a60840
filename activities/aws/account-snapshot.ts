// Every user and role of an account with the policies that decide what it may do, read with
// GetAccountAuthorizationDetails (one paginated call instead of several per principal). AWS-managed policies
// are fetched only when attached, and cached for the process: they are large and change rarely.
import {
  type AttachedPolicy as AwsAttachedPolicy,
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  type IAMClient,
  type ManagedPolicyDetail,
} from '@aws-sdk/client-iam';
import type { KnownIdentity } from '../../risk/reach.ts';
import { type AttachedPolicy, type PolicyDocument, parsePolicyDocument } from '../../schemas/iam-policy.ts';

export interface AccountSnapshot {
  identities: KnownIdentity[];
  /** Owner/team tags by identity key. */
  tags: Record<string, Record<string, string>>;
}

type Details = Required<
  Pick<
    GetAccountAuthorizationDetailsCommandOutput,
    'UserDetailList' | 'RoleDetailList' | 'GroupDetailList' | 'Policies'
  >
>;

async function readDetails(iam: IAMClient): Promise<Details> {
  const all: Details = { UserDetailList: [], RoleDetailList: [], GroupDetailList: [], Policies: [] };
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new GetAccountAuthorizationDetailsCommand({
        Filter: ['User', 'Role', 'Group', 'LocalManagedPolicy'],
        Marker: marker,
      }),
    );
    all.UserDetailList.push(...(page.UserDetailList ?? []));
    all.RoleDetailList.push(...(page.RoleDetailList ?? []));
    all.GroupDetailList.push(...(page.GroupDetailList ?? []));
    all.Policies.push(...(page.Policies ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return all;
}

const awsManaged = new Map<string, Promise<PolicyDocument>>();

async function fetchManagedDocument(iam: IAMClient, arn: string): Promise<PolicyDocument> {
  const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
  const version = await iam.send(
    new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy.Policy?.DefaultVersionId }),
  );
  return parsePolicyDocument(version.PolicyVersion?.Document);
}

function localDocuments(policies: ManagedPolicyDetail[]): Map<string, PolicyDocument> {
  const docs = new Map<string, PolicyDocument>();
  for (const p of policies) {
    const version = p.PolicyVersionList?.find((v) => v.IsDefaultVersion) ?? p.PolicyVersionList?.[0];
    if (p.Arn && version?.Document) docs.set(p.Arn, parsePolicyDocument(version.Document));
  }
  return docs;
}

export async function readAccountSnapshot(iam: IAMClient): Promise<AccountSnapshot> {
  const details = await readDetails(iam);
  const local = localDocuments(details.Policies);
  const attached = async (list: AwsAttachedPolicy[] | undefined): Promise<AttachedPolicy[]> =>
    Promise.all(
      (list ?? []).map(async (a) => {
        const arn = a.PolicyArn ?? '';
        let document = local.get(arn);
        if (!document) {
          let cached = awsManaged.get(arn);
          if (!cached) {
            cached = fetchManagedDocument(iam, arn);
            awsManaged.set(arn, cached);
            cached.catch(() => awsManaged.delete(arn));
          }
          document = await cached;
        }
        return { arn, name: a.PolicyName ?? arn, document };
      }),
    );
  const inline = (list: Array<{ PolicyName?: string; PolicyDocument?: string }> | undefined) =>
    (list ?? []).map((p) => ({
      name: p.PolicyName ?? 'inline',
      document: parsePolicyDocument(p.PolicyDocument),
    }));
  const boundary = async (arn: string | undefined) =>
    arn ? (await attached([{ PolicyArn: arn, PolicyName: arn }]))[0]?.document : undefined;

  const groups = new Map(
    await Promise.all(
      details.GroupDetailList.map(
        async (g) =>
          [
            g.GroupName ?? '',
            {
              name: g.GroupName ?? '',
              inline: inline(g.GroupPolicyList),
              attached: await attached(g.AttachedManagedPolicies),
            },
          ] as const,
      ),
    ),
  );
  const tags: AccountSnapshot['tags'] = {};
  const identities: KnownIdentity[] = [];
  for (const u of details.UserDetailList) {
    if (!u.Arn) continue;
    tags[u.Arn] = Object.fromEntries((u.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    identities.push({
      key: u.Arn,
      type: 'aws-user',
      aliases: u.UserId ? [u.UserId] : [],
      policies: {
        inline: inline(u.UserPolicyList),
        attached: await attached(u.AttachedManagedPolicies),
        groups: (u.GroupList ?? []).flatMap((name) => groups.get(name) ?? []),
        permissionsBoundary: await boundary(u.PermissionsBoundary?.PermissionsBoundaryArn),
      },
    });
  }
  for (const r of details.RoleDetailList) {
    if (!r.Arn) continue;
    tags[r.Arn] = Object.fromEntries((r.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    identities.push({
      key: r.Arn,
      type: 'aws-role',
      aliases: r.RoleId ? [r.RoleId] : [],
      policies: {
        inline: inline(r.RolePolicyList),
        attached: await attached(r.AttachedManagedPolicies),
        groups: [],
        permissionsBoundary: await boundary(r.PermissionsBoundary?.PermissionsBoundaryArn),
        trustPolicy: r.AssumeRolePolicyDocument ? parsePolicyDocument(r.AssumeRolePolicyDocument) : undefined,
      },
    });
  }
  return { identities, tags };
}
