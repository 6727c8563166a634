// A fleet of worker processes sharing assumed-role credentials through Redis: STS sees one
// AssumeRole call for the whole fleet, not one per worker.
//
//   node examples/redis-fleet.mjs [--workers 8]
//
// Uses REDIS_URL, else redis://127.0.0.1:6379, with a namespace unique to this run (and
// removes its entry at the end). Starts a local STS in this process; the workers are child
// processes that all ask for credentials at the same moment. If no Redis answers, it says
// so and exits 0.
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Session } from "@assume-role-lib/core";
import { KeyvCache } from "@assume-role-lib/keyv-cache";

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

/** The session every worker builds: same parent, same role, same parameters. */
function buildSession(config, cache) {
  const parent = Session.fromCredentials(
    { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    { region: config.region, stsClientConfig: { endpoint: config.endpoint } },
  );
  return parent.assumeRole(`arn:aws:iam::${config.accountId}:role/Demo`, { cache });
}

/** A worker: connect, say ready, wait for "go", get credentials 100 times, report. */
async function worker(config) {
  const cache = KeyvCache.redis(REDIS_URL, { namespace: config.namespace });
  const session = buildSession(config, cache);
  process.once("message", async () => {
    const keys = new Set();
    await Promise.all(
      Array.from({ length: 100 }, async () => keys.add((await session.credentials()).accessKeyId)),
    );
    await cache.close();
    process.send({ accessKeyIds: [...keys] }, () => process.disconnect());
  });
  process.send({ ready: true });
}

/** True when something at `url` answers a Redis PING within a second. */
function redisReachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname || "127.0.0.1", port: Number(port) || 6379 });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    // +PONG, or -NOAUTH when a password is needed (the URL carries it): either way, Redis.
    socket.on("data", (data) => done(/^[+-]/.test(data.toString())));
  });
}

async function main() {
  const { values } = parseArgs({ options: { workers: { type: "string", default: "8" } } });
  const workers = Number(values.workers);
  const shown = REDIS_URL.replace(/\/\/[^@/]*@/, "//***@");
  if (!(await redisReachable(REDIS_URL))) {
    console.log(`No Redis answered at ${shown}: nothing to show. Start one, or set REDIS_URL.`);
    return;
  }
  const { startStsLocal } = await import("@assume-role-lib/sts-local");
  const sts = await startStsLocal();
  const config = {
    endpoint: sts.endpoint,
    region: sts.region,
    accountId: sts.accountId,
    ...sts.rootCredentials,
    namespace: `assume-role-lib-example-${process.pid}-${randomBytes(4).toString("hex")}`,
  };
  try {
    console.log(`Redis ${shown}, namespace ${config.namespace}`);
    const children = Array.from({ length: workers }, () =>
      fork(fileURLToPath(import.meta.url), [], {
        env: { ...process.env, EXAMPLE_WORKER: JSON.stringify(config) },
      }),
    );
    const message = (child, test) =>
      new Promise((resolve, reject) => {
        child.on("message", (m) => test(m) && resolve(m));
        child.on("exit", (code) => code && reject(new Error(`worker exited with ${code}`)));
      });
    await Promise.all(children.map((child) => message(child, (m) => m.ready)));
    const reports = children.map((child) => message(child, (m) => m.accessKeyIds));
    for (const child of children) child.send("go"); // all at once
    const keys = new Set((await Promise.all(reports)).flatMap((r) => r.accessKeyIds));

    console.log(`${workers} workers × 100 credential requests`);
    console.log(`AssumeRole calls: ${sts.stats.calls("AssumeRole")}`);
    console.log(`distinct access key ids across the fleet: ${keys.size}`);
  } finally {
    // Remove this run's entry (it would expire with the credentials anyway).
    const cache = KeyvCache.redis(REDIS_URL, { namespace: config.namespace });
    await cache.delete(buildSession(config, cache).cacheKey).catch(() => {});
    await cache.close();
    await sts.close();
  }
}

if (process.env.EXAMPLE_WORKER) await worker(JSON.parse(process.env.EXAMPLE_WORKER));
else await main();
