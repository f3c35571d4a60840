// Access-request activities for tests whose workflows never grant access (the Activities type asks for them all).
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
};
