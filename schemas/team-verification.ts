// A team action's verification runs on the team's own worker: the enforcer did not check the effect itself. Wherever
// such a result is shown (nhi identity, the evidence summary and report) it says so in these words.

export const TEAM_VERIFIED = "verified by the team's worker";
