// What an access request is checked against at the moment it is made, read in one activity (so the answer is in
// the workflow's history): the catalogue entry and policy hash, the directory, the identity's current risk and open
// compromise findings (its identity workflow; a fresh assessment when it has none), the kill switch, and whether
// the worker may act in the identity's account. Also tells the identity workflows about a grant.
import { Context } from '@temporalio/activity';
import { scheduledAt, sealAs } from '../../runtime/service-keys.ts';
import { barsAccess } from '../../schemas/access-risk-bar.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { awsIdentityFromArn, identityKeyProblem } from '../../schemas/identity-keys.ts';
import { REDACTED } from '../../schemas/redaction.ts';
import type { AccessContext, GrantNotice } from '../../workflows/access/definitions.ts';
import { controlStatusQuery, controlWorkflowId } from '../../workflows/control/definitions.ts';
import {
  accessGrantSignal,
  IDENTITY_WORKFLOW_TYPE,
  identityQuery,
  identityWorkflowId,
} from '../../workflows/identity/definitions.ts';
import type { IdentityRecord } from '../../workflows/identity/state.ts';
import type { AssessInput, Assessment } from '../assess-identity.ts';
import { type AccountClients, AccountNotConfiguredError } from '../aws/account-clients.ts';
import { currentDirectory } from '../directory-source.ts';
import type { PolicyInForce } from '../policy-source.ts';

export interface AccessContextDeps {
  policy: () => PolicyInForce;
  accounts: AccountClients;
  assess: (input: AssessInput) => Promise<Assessment>;
}

const notFound = (error: unknown) => {
  const e = error as { name?: string; message?: string } | undefined;
  return e?.name === 'WorkflowNotFoundError' || /not found/i.test(String(e?.message));
};

export function createAccessContextActivities(deps: AccessContextDeps) {
  return {
    async accessContext(input: { action: string; identityKey: string }): Promise<AccessContext> {
      const inForce = deps.policy();
      const catalogue = inForce.policy.protectedActions ?? [];
      const action = catalogue.find((a) => a.name === input.action);
      const key = input.identityKey;
      const keyProblem = identityKeyProblem(key);
      if (keyProblem)
        // No workflow id is made of it (ids sit outside payload encryption), and the record never repeats it.
        return {
          ...(action ? { action } : {}),
          catalogue: catalogue.map((a) => a.name),
          directory: currentDirectory(),
          policyHash: inForce.hash,
          identity: { key: REDACTED, compromise: [], unknown: keyProblem },
        };

      const { client, info } = Context.current();
      let record: IdentityRecord | undefined;
      try {
        record = await client.workflow.getHandle(identityWorkflowId(key)).query(identityQuery);
      } catch (error) {
        if (!notFound(error)) throw error;
      }
      let assessment = record?.assessment;
      let unknown: string | undefined;
      if (!assessment) {
        // Never assessed (no findings yet): assess now, from AWS, with no findings.
        const ref = awsIdentityFromArn(key);
        if (ref) assessment = await deps.assess({ identity: ref, findings: [] });
        else unknown = `${key} is not an IAM principal this worker can assess`;
      }
      const compromise = (record?.findings ?? [])
        .filter(barsAccess)
        .map((f) => ({ id: f.id, title: f.title }));

      let paused: AccessContext['paused'];
      try {
        paused = (
          await client.workflow.getHandle(controlWorkflowId(info.taskQueue)).query(controlStatusQuery)
        ).paused;
      } catch (error) {
        if (!notFound(error)) throw error; // no control yet: never paused
      }

      const account = assessment?.account ?? key.split(':')[4];
      const partition = key.startsWith('arn:') ? key.split(':')[1] : 'aws';
      let accountRefusal: string | undefined;
      if (account) {
        try {
          await deps.accounts.clientsForAccount(account);
        } catch (error) {
          if (!(error instanceof AccountNotConfiguredError)) throw error;
          accountRefusal = error.message;
        }
      }
      return {
        ...(action ? { action } : {}),
        catalogue: catalogue.map((a) => a.name),
        directory: currentDirectory(),
        policyHash: inForce.hash,
        identity: {
          key,
          ...(account ? { account } : {}),
          ...(assessment ? { score: assessment.risk.score, owner: assessment.owner ?? null } : {}),
          compromise,
          ...(unknown ? { unknown } : {}),
        },
        ...(paused ? { paused } : {}),
        ...(action && account ? { roleArn: `arn:${partition}:iam::${account}:role/${action.role}` } : {}),
        ...(accountRefusal ? { accountRefusal } : {}),
      };
    },

    /**
     * Registers a live grant with the identity's workflow (the access risk bar there revokes it) and the role's
     * (CloudTrail findings on the role name the session): signal-with-start, so neither has to exist yet.
     */
    async noteGrant(input: { identityKey: string; roleArn: string; notice: GrantNotice }): Promise<void> {
      const { client, info } = Context.current();
      for (const key of [input.identityKey, input.roleArn]) {
        const identity: IdentityRef = awsIdentityFromArn(key) ?? {
          key,
          type: 'principal',
          provider: 'generic',
          aliases: [],
        };
        const workflowId = identityWorkflowId(identity.key);
        // The ceiling is the requesting identity's bar; the role's own score (its permissions) is not.
        const { action: _action, riskCeiling: _ceiling, ...forRole } = input.notice;
        const notice = key === input.identityKey ? input.notice : forRole;
        // Sealed as the worker's: the identity workflow takes a grant notice from no one else.
        const seal = sealAs('worker', {
          workflowId,
          message: accessGrantSignal.name,
          body: notice,
          at: scheduledAt(info),
        });
        await client.workflow.signalWithStart(IDENTITY_WORKFLOW_TYPE, {
          workflowId,
          taskQueue: info.taskQueue,
          args: [{ identity }],
          signal: accessGrantSignal,
          signalArgs: [{ ...notice, seal }],
        });
      }
    },
  };
}
