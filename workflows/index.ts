// The workflow bundle's entry: every workflow the worker runs. Deterministic code only below this folder.

export { accessRequestWorkflow } from './access/workflow.ts';
export { enforcementControlWorkflow } from './control/workflow.ts';
export { evidenceArchiveWorkflow } from './evidence/workflow.ts';
export { identityWorkflow } from './identity/workflow.ts';
export { actionRegistryWorkflow } from './registry/workflow.ts';
export { remediationFollowUpWorkflow } from './remediation/follow-up.ts';
export { remediationWorkflow } from './remediation/workflow.ts';
export { rescanScopeWorkflow } from './rescan/workflow.ts';
