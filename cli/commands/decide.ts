// `nhi approve|reject ID --as WHO --reason R [--key FILE] [--yes] [--json]`: a signed decision on a remediation's
// approval request. Shows the reviewer what they decide, asks to confirm, signs over the request's workflow id, run
// id and plan hash, and sends it. The workflow verifies the signature and answers accepted or refused (one line).
// An approval that completes its round is read back: the plan is made again before acting, and a changed plan
// voids the approval at once (exit 3, with the new round and the next command), never reported as approved.

import { setTimeout as sleep } from 'node:timers/promises';
import { ACCESS_WORKFLOW_PREFIX, accessWorkflowId, GRANT_ID } from '../../schemas/access.ts';
import { decideUpdate } from '../../workflows/remediation/definitions.ts';
import { APPROVAL_VOIDED_EXIT, type ApprovalReadBack, approvalReadBack } from '../approval-read-back.ts';
import { type Command, CommandError, UsageError } from '../command.ts';
import { confirm } from '../confirm.ts';
import { remediationDecision } from '../decisions.ts';
import { accessReview, remediationReview } from '../format-requests.ts';
import { exampleRemediationId } from '../help-examples.ts';
import { connectTemporal, type TemporalSource } from '../identity-source.ts';
import { loadSigner } from '../keys.ts';
import { readAccess, readRemediation } from '../requests-source.ts';
import { parseSignedArgs } from '../signed-args.ts';

const usageOf = (
  verb: 'approve' | 'reject',
) => `usage: nhi ${verb} REMEDIATION_ID|ACCESS_ID --as WHO --reason R [--key FILE] [--yes] [--json]

${verb === 'approve' ? 'Approves' : 'Rejects'} a remediation awaiting approval (nhi pending lists them, e.g.
${exampleRemediationId('scope-down')}), or a just-in-time access request (access/jit-…). Shows what is decided — identity, account, action, plan
steps and hash, owner, last use, every point of the score, capabilities — asks to confirm, then sends a decision
signed with WHO's Ed25519 key over {workflow id, run id, plan hash, decision, person, reason, time}.

  --as WHO      you, as in the directory (lower-cased email)
  --reason R    why (kept in the history and published)
  --key FILE    your key file (default: $NHI_KEYS_DIR/WHO.key, from nhi keys new)
  --yes         do not ask to confirm
  --json        the request and the workflow's answer as one JSON object

An approval that completes a remediation's round is read back: the plan is made again before it acts, and if
the identity changed meanwhile the approval is voided at once and a new round opens for the new plan.

Exit status: 0 accepted; 1 with one line when refused (unknown person, bad signature, not in a group the rule
names, the owner, the requester, twice, a stale plan, already decided or expired) or Temporal cannot be reached;
2 on bad arguments; 3 when the approval was accepted, then voided by a changed plan (the line says what changed
and which round is open: nhi pending, then nhi approve again).

examples:
  nhi ${verb} ${exampleRemediationId('scope-down')} --as alice@example.com --reason "unused admin rights"
next: nhi pending shows what is still needed; nhi identity KEY shows the remediation's status`;

/** How long an approval that completed its round is read back (the plan made again) before answering anyway. */
const READ_BACK_MS = 30_000;
const READ_BACK_EVERY_MS = 500;

function parseDecideArgs(argv: string[]) {
  return parseSignedArgs(
    argv,
    (positionals) => {
      if (positionals.length !== 1) throw new UsageError('one REMEDIATION_ID is required');
      return { id: positionals[0]! };
    },
    { asksToConfirm: true },
  );
}

function decideCommand(verb: 'approve' | 'reject'): Command {
  return {
    name: verb,
    summary: `${verb} a remediation awaiting approval (signed)`,
    usage: usageOf(verb),
    parse: parseDecideArgs,
    async run(argv, io) {
      const { values, person, reason, id } = parseDecideArgs(argv);
      const signer = loadSigner(person, values.key);
      const source = await connectTemporal();
      try {
        const target = await readDecidable(source, id);
        if (!target.request)
          throw new CommandError(`${id} has no open approval request (status ${target.status})`);
        // A request no longer open is not reviewed again; the attempt is still sent, so an open workflow records it.
        const open = target.status === 'awaiting-approval' || target.status === 'paused';
        if (open && !values.json) for (const line of target.review(Date.now())) io.err(line);
        if (open && !values.yes && !(await confirm(`${verb} as ${person}? [y/N]`, io.err)))
          throw new CommandError('not confirmed: nothing sent');
        const signed = remediationDecision(signer, target.request, verb, reason);
        const result = await source.client.workflow
          .getHandle(target.workflowId)
          .executeUpdate(decideUpdate, { args: [signed] });
        const completed =
          result.accepted &&
          verb === 'approve' &&
          target.kind === 'remediation' &&
          !neededStill(result.missing);
        const readBack = completed ? await readBackApproval(source, id, target.request.round) : undefined;
        if (values.json)
          io.out(
            JSON.stringify({
              id,
              planHash: target.planHash,
              decision: verb,
              person,
              result,
              ...(readBack ? { readBack } : {}),
            }),
          );
        else if (result.accepted && readBack?.kind !== 'voided')
          io.out(
            `${verb === 'approve' ? 'approved' : 'rejected'} ${id} as ${person}${
              neededStill(result.missing)
                ? `; still needed: ${Object.entries(result.missing!)
                    .map(([g, n]) => `${n} of ${g}`)
                    .join(', ')}`
                : ''
            }${readBack?.kind === 'approved' && readBack.note ? `; ${readBack.note}` : ''}`,
          );
        if (!result.accepted) {
          if (values.json) return 1;
          throw new CommandError(`refused: ${result.refusal}`);
        }
        if (readBack?.kind === 'voided') {
          if (values.json) return APPROVAL_VOIDED_EXIT;
          throw new CommandError(readBack.line, APPROVAL_VOIDED_EXIT);
        }
        return 0;
      } catch (error) {
        if (error instanceof CommandError) throw error;
        const text = String((error as Error)?.message ?? error).split('\n')[0] ?? '';
        if (/completed|not found/i.test(text))
          throw new CommandError(
            `refused: the request ${id} was already decided or expired (its workflow has closed)`,
          );
        throw new CommandError(`sending the decision failed: ${text}`);
      } finally {
        await source.close();
      }
    },
  };
}

const neededStill = (missing: Record<string, number> | undefined) =>
  !!missing && Object.values(missing).some((n) => n > 0);

/** Reads the remediation until the approved round's plan check is known (or READ_BACK_MS passed). */
async function readBackApproval(
  source: TemporalSource,
  id: string,
  round: number,
): Promise<ApprovalReadBack> {
  const until = Date.now() + READ_BACK_MS;
  for (;;) {
    // The approval was accepted: a read that fails says no more than that.
    const state = await readRemediation(source, id).catch(() => undefined);
    if (!state) return { kind: 'approved' };
    const outcome = approvalReadBack(id, round, state);
    if (outcome.kind !== 'unsettled' || Date.now() >= until)
      return outcome.kind === 'unsettled' ? { kind: 'approved' } : outcome;
    await sleep(READ_BACK_EVERY_MS);
  }
}

/** A remediation (remediate/…) or an access request (access/jit-…, or jit-…): what is decided, and its review. */
async function readDecidable(source: TemporalSource, id: string) {
  const accessId = id.startsWith(ACCESS_WORKFLOW_PREFIX)
    ? id
    : GRANT_ID.test(id)
      ? accessWorkflowId(id)
      : undefined;
  if (accessId) {
    const state = await readAccess(source, accessId);
    return {
      kind: 'access' as const,
      workflowId: accessId,
      status: state.status as string,
      request: state.request,
      planHash: state.planHash,
      review: (now: number) => accessReview(accessId, state, now),
    };
  }
  const state = await readRemediation(source, id);
  return {
    kind: 'remediation' as const,
    workflowId: id,
    status: state.status as string,
    request: state.request,
    planHash: state.planHash,
    review: (now: number) => remediationReview(id, state, now),
  };
}

export const approveCommand = decideCommand('approve');
export const rejectCommand = decideCommand('reject');
