// `nhi except request|approve|reject|revoke …`: exceptions as requests, signed by two different people.
import { WithStartWorkflowOperation } from '@temporalio/client';
import { durationMs } from '../../schemas/duration.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { awsAccessKeyIdentity, awsIdentityFromArn, identityKeyProblem } from '../../schemas/identity-keys.ts';
import {
  decideExceptionUpdate,
  type ExceptionResult,
  identityWorkflowId,
  parseExceptionPublicId,
  requestExceptionUpdate,
  revokeExceptionUpdate,
  TASK_QUEUE,
} from '../../workflows/identity/definitions.ts';
import type { identityWorkflow } from '../../workflows/identity/workflow.ts';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';
import { confirm } from '../confirm.ts';
import { exceptionDecision, exceptionRequest } from '../decisions.ts';
import { exceptionReview } from '../format-requests.ts';
import { EXAMPLE_EXCEPTION_ID, EXAMPLE_IDENTITY } from '../help-examples.ts';
import { connectTemporal, readIdentity } from '../identity-source.ts';
import { loadSigner, personArg } from '../keys.ts';

const usage = `usage: nhi except request KEY --action A --for DURATION --as WHO --reason R [--ticket T] [--key FILE] [--json]
       nhi except approve|reject ID --as WHO --reason R [--key FILE] [--yes] [--json]
       nhi except revoke ID --as WHO --reason R [--key FILE] [--json]

An exception pauses one action for one identity for a while. WHO requests it (signed); a different person from the
policy's exceptions.approvers groups — never the identity's owner — approves it (signed); it then holds for
DURATION from approval and ends by itself, or at once when revoked (by its requester, its approver or an approver
group). A request may be made before the identity's first finding. A grant pauses a matching remediation that
awaits approval.

  KEY          the identity's canonical key (an ARN, aws:access-key:AKIA…)
  ID           the request id nhi pending shows: exc-N@KEY
  --action A   the action to pause (must exist and apply to the identity's type)
  --for D      how long, e.g. 7d or 12h (at most the policy's exceptions.maxDurationDays)
  --ticket T   a change or incident ticket, kept with the exception
  --as WHO, --reason R, --key FILE, --yes, --json   as for nhi approve

Exit status: 0 accepted; 1 with one line when refused or Temporal cannot be reached; 2 on bad arguments.

examples:
  nhi except request ${EXAMPLE_IDENTITY} --action scope-down --for 7d --as alice@example.com --reason "migration"
  nhi except approve ${EXAMPLE_EXCEPTION_ID} --as bob@example.com --reason "agreed in CHG-7"
next: nhi pending shows the request awaiting approval; nhi exceptions lists granted ones`;

/** The identity a key names, for a request made before its first finding. */
function identityOfKey(key: string): IdentityRef {
  const problem = identityKeyProblem(key);
  if (problem) throw new UsageError(problem);
  if (key.startsWith('arn:')) {
    const ref = awsIdentityFromArn(key);
    if (ref) return ref;
  }
  const m = /^aws:access-key:([A-Z0-9]{16,})$/.exec(key);
  if (m) return awsAccessKeyIdentity(m[1]!);
  throw new UsageError(`cannot tell which kind of identity '${key}' is (an IAM ARN or aws:access-key:AKIA…)`);
}

const taskQueue = () => process.env.NHI_TASK_QUEUE || TASK_QUEUE;

function report(
  io: { out: (l: string) => void },
  json: boolean,
  what: string,
  result: ExceptionResult,
  extra = {},
) {
  if (json) io.out(JSON.stringify({ ...extra, result }));
  if (!result.accepted) {
    if (json) return 1;
    throw new CommandError(`refused: ${result.refusal}`);
  }
  if (!json) io.out(what);
  return 0;
}

function parseExceptArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, {
    action: { type: 'string' },
    for: { type: 'string' },
    ticket: { type: 'string' },
    as: { type: 'string' },
    reason: { type: 'string' },
    key: { type: 'string' },
    yes: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const [verb, target, ...rest] = positionals;
  if (!verb || !['request', 'approve', 'reject', 'revoke'].includes(verb))
    throw new UsageError(`expected request, approve, reject or revoke, got '${verb ?? '(nothing)'}'`);
  if (!target)
    throw new UsageError(verb === 'request' ? 'the identity KEY is required' : 'the request ID is required');
  if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const person = personArg(values.as);
  if (!values.reason?.trim()) throw new UsageError('--reason R is required');
  const reason = values.reason.trim();
  let terms: { action: string; for: string } | undefined;
  if (verb === 'request') {
    const action = values.action?.trim();
    if (!action) throw new UsageError('--action A is required');
    if (!values.for || durationMs(values.for) === undefined)
      throw new UsageError(`--for must be a duration such as 7d or 12h, got '${values.for ?? ''}'`);
    terms = { action, for: values.for.trim() };
  }
  return { values, verb, target, person, reason, terms };
}

export const exceptCommand: Command = {
  name: 'except',
  summary: 'except request|approve|reject|revoke: time-boxed exceptions, signed by two people',
  usage,
  parse: parseExceptArgs,
  async run(argv, io) {
    const { values, verb, target, person, reason, terms: asked } = parseExceptArgs(argv);
    const json = values.json === true;

    if (asked) {
      const identity = identityOfKey(target);
      const signer = loadSigner(person, values.key);
      const terms = {
        identityKey: identity.key,
        ...asked,
        ...(values.ticket ? { ticket: values.ticket.trim() } : {}),
      };
      const source = await connectTemporal();
      try {
        // Update-with-start: the identity's workflow is started if it has no finding yet.
        const startWorkflowOperation = new WithStartWorkflowOperation<typeof identityWorkflow>(
          'identityWorkflow',
          {
            workflowId: identityWorkflowId(identity.key),
            taskQueue: taskQueue(),
            args: [{ identity }],
            workflowIdConflictPolicy: 'USE_EXISTING',
          },
        );
        const result = await source.client.workflow.executeUpdateWithStart(requestExceptionUpdate, {
          args: [exceptionRequest(signer, terms, reason)],
          startWorkflowOperation,
        });
        const id = result.id ? `${result.id}@${identity.key}` : undefined;
        return report(
          io,
          json,
          `requested ${id}: pause ${terms.action} for ${terms.for}; a different person from the approver groups must approve it (nhi except approve ${id} …)`,
          result,
          { id },
        );
      } finally {
        await source.close();
      }
    }

    const parsed = parseExceptionPublicId(target);
    if (!parsed) throw new UsageError(`'${target}' is not an exception id (exc-N@KEY, as nhi pending shows)`);
    const signer = loadSigner(person, values.key);
    const source = await connectTemporal();
    try {
      const record = await readIdentity(source, parsed.identityKey);
      const request = record.exceptionRequests.find((r) => r.id === parsed.id);
      const grant = record.exceptions.find((e) => e.id === parsed.id);
      const termsHash = request?.termsHash ?? grant?.termsHash;
      if (!termsHash) throw new CommandError(`no exception ${parsed.id} for ${parsed.identityKey}`);
      if (verb !== 'revoke' && request && !json)
        for (const line of exceptionReview(
          target,
          request,
          { key: parsed.identityKey, owner: record.assessment?.owner, score: record.assessment?.risk.score },
          Date.now(),
        ))
          io.err(line);
      if (verb !== 'revoke' && !values.yes && !(await confirm(`${verb} as ${person}? [y/N]`, io.err)))
        throw new CommandError('not confirmed: nothing sent');
      const signed = exceptionDecision(
        signer,
        parsed.identityKey,
        parsed.id,
        termsHash,
        verb as 'approve' | 'reject' | 'revoke',
        reason,
      );
      const handle = source.client.workflow.getHandle(identityWorkflowId(parsed.identityKey));
      const result = await handle.executeUpdate(
        verb === 'revoke' ? revokeExceptionUpdate : decideExceptionUpdate,
        {
          args: [signed],
        },
      );
      const done =
        verb === 'approve'
          ? `granted ${target}: ${request?.action ?? grant?.action} paused until ${result.expiresAt}`
          : verb === 'reject'
            ? `rejected ${target}`
            : `revoked ${target}: enforcement resumes now`;
      return report(io, json, done, result, { id: target });
    } finally {
      await source.close();
    }
  },
};
