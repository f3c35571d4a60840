// Access-request activities (and the rescan check) for tests whose workflows never grant access nor rescan (the
// Activities type asks for them all).
const unused = async (): Promise<never> => {
  throw new Error('access activities are not part of this test');
};

export const unusedAccessActivities = {
  accessContext: unused,
  noteGrant: unused,
  issueGrant: unused,
  revokeGrant: unused,
  removeRevocation: unused,
  discardHandoff: unused,
  checkRescanReport: unused,
};
