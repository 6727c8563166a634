// Core: credential resolution from memory, ours vs the SDK's fromTemporaryCredentials,
// against the same sts-local, side by side in one run. Run: pnpm bench (or node bench/core.bench.mjs after pnpm build).

import { assumeRole, Session } from "@assume-role-lib/core";
import { startStsLocal } from "@assume-role-lib/sts-local";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import {
  doesIdentityRequireRefresh,
  isIdentityExpired,
  memoizeIdentityProvider,
} from "@smithy/core";
import { fmtNs, interleaved, spread, table } from "./lib.mjs";

const fmtSpread = (xs) => {
  const { min, median, max } = spread(xs);
  return `${fmtNs(min)} / ${fmtNs(median)} / ${fmtNs(max)}`;
};

const sts = await startStsLocal();
const RoleArn = "arn:aws:iam::123456789012:role/Demo";
const clientConfig = { region: sts.region, endpoint: sts.endpoint };
const root = Session.fromCredentials(sts.rootCredentials, {
  region: sts.region,
  stsClientConfig: { endpoint: sts.endpoint },
});

const ours = assumeRole(root, RoleArn, { RoleSessionName: "bench" });
const sdkRaw = () =>
  fromTemporaryCredentials({
    params: { RoleArn, RoleSessionName: "bench" },
    masterCredentials: sts.rootCredentials,
    clientConfig,
  });
// An SDK client wraps a credentials provider in @smithy/core's identity memoization: compare with that.
const sdkMemoized = memoizeIdentityProvider(
  sdkRaw(),
  isIdentityExpired,
  doesIdentityRequireRefresh,
);
await ours.credentials();
await sdkMemoized();

const out = [];
out.push("### Credential resolution from memory (hot path)\n");
const hot = await interleaved(
  {
    ours: () => ours.credentials(),
    "SDK fromTemporaryCredentials (memoized as a client does)": () => sdkMemoized(),
  },
  { rounds: 15, batch: 20000 },
);
const sdkName = "SDK fromTemporaryCredentials (memoized as a client does)";
out.push(
  table(
    ["provider", "per call, min / median / max over rounds", "ratio of medians vs ours"],
    Object.entries(hot).map(([k, v]) => [
      k,
      fmtSpread(v.rounds),
      (v.nsPerOp / hot.ours.nsPerOp).toFixed(2),
    ]),
  ),
);

out.push("\n### Through a real client call (GetCallerIdentity against sts-local)\n");
const ourClient = new STSClient({ ...clientConfig, credentials: ours.credentials });
const sdkClient = new STSClient({ ...clientConfig, credentials: sdkRaw() });
const call = await interleaved(
  {
    ours: () => ourClient.send(new GetCallerIdentityCommand({})),
    "SDK fromTemporaryCredentials": () => sdkClient.send(new GetCallerIdentityCommand({})),
  },
  { rounds: 21, batch: 100 },
);
out.push(
  table(
    ["credentials", "per call, min / median / max over rounds", "ratio of medians vs ours"],
    Object.entries(call).map(([k, v]) => [
      k,
      fmtSpread(v.rounds),
      (v.nsPerOp / call.ours.nsPerOp).toFixed(2),
    ]),
  ),
);

out.push("\n### 100 concurrent cold callers: AssumeRole calls\n");
const coldRuns = async (make) => {
  const counts = [];
  for (let i = 0; i < 5; i++) {
    sts.stats.reset();
    const provider = make();
    await Promise.all(Array.from({ length: 100 }, () => provider()));
    counts.push(sts.stats.calls("AssumeRole"));
  }
  return spread(counts);
};
sts.faults.latency(20); // a little network time, so that callers really overlap
const cold = {
  ours: await coldRuns(() => assumeRole(root, RoleArn, { RoleSessionName: "cold" }).credentials),
  "SDK fromTemporaryCredentials, called directly": await coldRuns(sdkRaw),
  "SDK fromTemporaryCredentials, memoized as a client does": await coldRuns(() =>
    memoizeIdentityProvider(sdkRaw(), isIdentityExpired, doesIdentityRequireRefresh),
  ),
};
sts.faults.clear();
out.push(
  table(
    ["provider", "AssumeRole calls, min / median / max of 5 runs"],
    Object.entries(cold).map(([k, v]) => [k, `${v.min} / ${v.median} / ${v.max}`]),
  ),
);

console.log(out.join("\n"));
console.log(
  `\nhot-path ratio SDK/ours: ${(hot[sdkName].nsPerOp / hot.ours.nsPerOp).toFixed(2)} (goal: >= 1, ours no slower)`,
);
await sts.close();
