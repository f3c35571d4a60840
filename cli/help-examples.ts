// The ids the commands' --help examples show, built by the same functions the workflows use, so an example copied
// from the help names what a real workflow would be called (an identity key's `/` is %2F in a remediation id).
import { remediationWorkflowId } from '../risk/decide.ts';
import { exceptionPublicId } from '../workflows/identity/definitions.ts';

export const EXAMPLE_IDENTITY = 'arn:aws:iam::123456789012:user/ci';

/** The first remediation of `action` for the example identity, as the identity workflow names it. */
export const exampleRemediationId = (action: string, identity = EXAMPLE_IDENTITY): string =>
  remediationWorkflowId(identity, action, 0);

export const EXAMPLE_EXCEPTION_ID = exceptionPublicId(EXAMPLE_IDENTITY, 'exc-1');
