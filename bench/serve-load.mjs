// The load generator of bench/serve.bench.mjs: CLIENTS clients, each with its own keep-alive
// connection, each sending RATE requests/s for MS milliseconds on a fixed schedule
// (staggered between clients), from START_AT (epoch ms). Writes one JSON document: every
// latency (request sent → whole response, ms), the access keys served, errors, elapsed ms.
import { Agent, request } from "node:http";

async function client() {
  const { URL: url, TOKEN: token, CLIENTS, RATE, MS, START_AT } = process.env;
  const clients = Number(CLIENTS);
  const intervalMs = 1000 / Number(RATE);
  const count = Math.round(Number(MS) / intervalMs);
  const latencies = [];
  const keys = new Set();
  let errors = 0;
  await new Promise((r) => setTimeout(r, Math.max(0, Number(START_AT) - Date.now())));
  const t0 = performance.now();
  const one = (agent) =>
    new Promise((resolve) => {
      const sent = performance.now();
      const req = request(url, { agent, headers: { Authorization: token } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => {
          latencies.push(performance.now() - sent);
          if (res.statusCode === 200) keys.add(JSON.parse(body).AccessKeyId);
          else errors++;
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const runOne = async (c) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const pending = [];
    for (let i = 0; i < count; i++) {
      const due = t0 + (i + c / clients) * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(one(agent));
    }
    await Promise.all(pending);
    agent.destroy();
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => runOne(c)));
  const elapsed = performance.now() - t0;
  process.stdout.write(JSON.stringify({ latencies, keys: [...keys], errors, elapsed }));
}

await client();
