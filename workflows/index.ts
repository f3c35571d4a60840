// The workflow bundle's entry: every workflow the worker runs. Deterministic code only below this folder.

export { enforcementControlWorkflow } from './control/workflow.ts';
export { identityWorkflow } from './identity/workflow.ts';
export { remediationWorkflow } from './remediation/workflow.ts';
