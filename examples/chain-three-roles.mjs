// Chain three roles (RoleA → RoleB → RoleC) and print who each session is.
//
//   node examples/chain-three-roles.mjs
//
// Starts a local STS in this process (no AWS account needed) and stops it at the end.
// Against AWS, the parent is `Session.default()` and there is no `stsClientConfig`.
import { assumeRole, Session } from "@assume-role-lib/core";
import { startStsLocal } from "@assume-role-lib/sts-local";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const sts = await startStsLocal();
try {
  const account = sts.accountId;
  // The root session: sts-local's long-term keys, its region, and its endpoint for every
  // AssumeRole call made from this session and its children.
  const root = Session.fromCredentials(sts.rootCredentials, {
    region: sts.region,
    stsClientConfig: { endpoint: sts.endpoint },
  });

  const roleA = assumeRole(root, `arn:aws:iam::${account}:role/RoleA`);
  const roleB = roleA.assumeRole(`arn:aws:iam::${account}:role/RoleB`);
  const roleC = roleB.assumeRole(`arn:aws:iam::${account}:role/RoleC`, {
    RoleSessionName: "example-chain",
  });

  for (const [name, session] of [
    ["root ", root],
    ["RoleA", roleA],
    ["RoleB", roleB],
    ["RoleC", roleC],
  ]) {
    // session.client() passes the session's credentials and region; the endpoint only
    // points this GetCallerIdentity call at the local STS.
    const client = session.client(STSClient, { endpoint: sts.endpoint });
    const { Arn } = await client.send(new GetCallerIdentityCommand({}));
    console.log(`${name}  ${Arn}`);
  }

  console.log(`parent of RoleC is RoleB: ${roleC.parent === roleB}`);
  console.log(`AssumeRole calls: ${sts.stats.calls("AssumeRole")}`);
} finally {
  await sts.close();
}
