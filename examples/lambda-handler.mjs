// The Lambda pattern: assume the role once, at module scope (the init phase), and use the
// session in every invocation. The session refreshes its credentials by itself, so the
// handler never looks at expiry, and warm invocations make no STS call at all.
//
//   node examples/lambda-handler.mjs
//
// Runs the handler five times in this process against a local STS, as five warm
// invocations of one execution environment would.
import { assumeRole, generateLambdaSessionName, Session } from "@assume-role-lib/core";
import { startStsLocal } from "@assume-role-lib/sts-local";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

// What Lambda sets in the function's environment (kept if already set).
process.env.AWS_LAMBDA_FUNCTION_NAME ??= "orders-export";
process.env.AWS_LAMBDA_FUNCTION_VERSION ??= "7";
process.env.AWS_LAMBDA_LOG_STREAM_NAME ??= "2026/01/31/[7]3893xmpl7fac4485b47bb75b671a283c";

// ---- module scope: runs once per execution environment ---------------------------------
const sts = await startStsLocal(); // only for this example

// In a real function: `const parent = Session.default();` (the function's own role).
const parent = Session.fromCredentials(sts.rootCredentials, {
  region: sts.region,
  stsClientConfig: { endpoint: sts.endpoint },
});
const target = assumeRole(parent, `arn:aws:iam::${sts.accountId}:role/Demo`, {
  // `orders-export.7.3893xmpl7fac4485b47bb75b671a283c`: CloudTrail shows which function,
  // version and execution environment used the role.
  RoleSessionName: generateLambdaSessionName(),
});
// Clients are made once too; they ask the session for credentials on every request.
const targetSts = target.client(STSClient, { endpoint: sts.endpoint });

// ---- the handler: no credential code at all ---------------------------------------------
export async function handler(event) {
  const { Arn } = await targetSts.send(new GetCallerIdentityCommand({}));
  return { invocation: event.invocation, arn: Arn };
}

// ---- simulate five invocations ----------------------------------------------------------
try {
  for (let invocation = 1; invocation <= 5; invocation++) {
    const result = await handler({ invocation });
    console.log(`invocation ${result.invocation}: ${result.arn}`);
  }
  console.log(`AssumeRole calls: ${sts.stats.calls("AssumeRole")}`);
} finally {
  await sts.close();
}
