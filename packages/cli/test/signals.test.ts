/**
 * `exec` passes every catchable signal to its command and stays transparent: it neither
 * dies of a signal its command handles, nor opens Node's inspector on SIGUSR1, and it stops
 * and continues with its command. (exec.test.ts has SIGTERM, SIGINT and Ctrl-C at a
 * terminal.)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RELAYED_SIGNALS } from "@assume-role-lib/cli";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLI,
  hasPty,
  parentEnv,
  ROLE,
  run,
  runAtTerminal,
  start,
  tempHome,
  waitFor,
} from "./helpers.js";

let sts: StsLocal;
let home: ReturnType<typeof tempHome>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sts = await startStsLocal();
  home = tempHome();
  env = parentEnv(home.home, sts);
});
afterAll(async () => {
  await sts.close();
  home.cleanup();
});

const exec = (...command: string[]) => [
  "exec",
  ROLE("Demo"),
  "--endpoint-url",
  sts.endpoint,
  "--cache",
  join(home.home, "cache"),
  "--",
  ...command,
];

/** A command that reports each signal it gets, and exits 42 on SIGTERM. */
const REPORTER = (signals: string[]) => `
for (const s of ${JSON.stringify(signals)}) process.on(s, () => console.log("got " + s));
process.on("SIGTERM", () => { console.log("got SIGTERM"); process.exit(42); });
console.log("ready " + process.pid);
setInterval(() => {}, 1000);
`;

/** What Linux says a process is doing: R, S, T (stopped), … */
const stateOf = (pid: number) =>
  /\) (\w) /.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1] ?? "?";

const TESTED = [
  "SIGUSR1",
  "SIGUSR2",
  "SIGWINCH",
  "SIGHUP",
  "SIGALRM",
  "SIGVTALRM",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGPWR",
  "SIGURG",
  "SIGIO",
  "SIGSYS",
  "SIGCONT",
  "SIGQUIT",
  "SIGINT",
].filter((s) => RELAYED_SIGNALS.includes(s as NodeJS.Signals));

describe("exec relays signals", () => {
  it("relays every catchable signal, survives each, then passes the exit code on", async () => {
    expect(TESTED.length).toBeGreaterThanOrEqual(process.platform === "linux" ? 15 : 5);
    const cli = start(exec(process.execPath, "-e", REPORTER(TESTED)), env);
    await waitFor(() => cli.stdout().includes("ready"));
    for (const signal of TESTED) {
      cli.child.kill(signal as NodeJS.Signals);
      await waitFor(() => cli.stdout().includes(`got ${signal}\n`), 10_000);
    }
    cli.child.kill("SIGTERM");
    const out = await cli.done;
    expect(out.code).toBe(42);
    // SIGUSR1 did not open Node's inspector in the process that holds the credentials.
    expect(out.stderr).not.toMatch(/Debugger listening|inspector/i);
  });

  it("SIGUSR1 never opens the inspector, in exec or while another command waits for STS", async () => {
    const slow = await startStsLocal();
    slow.faults.latency(1500);
    try {
      const cli = start(
        ["env", ROLE("Demo"), "--endpoint-url", slow.endpoint, "--no-cache"],
        parentEnv(home.home, slow),
      );
      await new Promise((r) => setTimeout(r, 700));
      cli.child.kill("SIGUSR1");
      const out = await cli.done;
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toMatch(/^AWS_ACCESS_KEY_ID=ASIA/m);
      expect(out.stderr).not.toMatch(/Debugger listening|inspector/i);
    } finally {
      await slow.close();
    }
  });

  it.skipIf(!existsSync("/proc/self/stat"))(
    "SIGTSTP stops the command and the wrapper; SIGCONT resumes both",
    async () => {
      // The command stops itself on SIGTSTP, as interactive programs do: without a terminal
      // (CI) the process group can be orphaned, and there the kernel discards a SIGTSTP whose
      // default action would stop it. The handler also proves the signal was relayed.
      const ticker =
        "process.on('SIGTSTP', () => { console.log('tstp'); process.kill(process.pid, 'SIGSTOP'); });" +
        "console.log('ready ' + process.pid); setInterval(() => console.log('tick'), 50)";
      const cli = start(exec(process.execPath, "-e", ticker), env);
      await waitFor(() => /ready \d+/.test(cli.stdout()));
      const childPid = Number(/ready (\d+)/.exec(cli.stdout())?.[1]);
      const wrapperPid = cli.child.pid as number;
      cli.child.kill("SIGTSTP");
      await waitFor(() => stateOf(childPid) === "T" && stateOf(wrapperPid) === "T", 10_000);
      const ticks = cli.stdout().split("tick").length;
      await new Promise((r) => setTimeout(r, 300));
      expect(cli.stdout().split("tick").length).toBe(ticks);
      cli.child.kill("SIGCONT");
      await waitFor(() => cli.stdout().split("tick").length > ticks + 2, 10_000);
      expect(stateOf(wrapperPid)).not.toBe("T");
      // Written just before the command stopped itself; a pipe write lands once it runs.
      expect(cli.stdout()).toContain("tstp");
      cli.child.kill("SIGTERM");
      const out = await cli.done;
      expect(out.signal === "SIGTERM" || out.code === 143).toBe(true);
    },
  );

  it("a command that dies of SIGUSR1 or SIGUSR2: the exit status says so, no inspector", async () => {
    const marker = join(home.home, "usr-child.sh");
    writeFileSync(marker, "#!/bin/sh\nkill -USR2 $$\n", { mode: 0o755 });
    const usr2 = await run(exec(marker), env);
    expect(usr2.signal === "SIGUSR2" || usr2.code === 140).toBe(true);
    const usr1 = await run(exec("sh", "-c", "kill -USR1 $$"), env);
    expect(usr1.code).toBe(138);
    expect(usr1.stderr).not.toMatch(/Debugger listening/);
  });

  // At a terminal, Ctrl-Z sends SIGTSTP to the whole foreground process group: the command
  // gets it from the terminal (a relayed second would stop it again right after `fg`), and
  // the wrapper stops with it, so that the shell sees the job stopped.
  it.skipIf(!hasPty || !existsSync("/proc/self/stat"))(
    "Ctrl-Z at a terminal: the command gets one SIGTSTP, the wrapper stops until continued",
    async () => {
      const counter =
        "let n = 0; process.on('SIGTSTP', () => n++); process.on('SIGCONT', () => setTimeout(() => { console.log('TSTPS=' + n); process.exit(0); }, 300)); console.log('ready'); setInterval(() => {}, 1000)";
      const argv = [process.execPath, CLI, ...exec(process.execPath, "-e", counter)];
      const shown = await runAtTerminal(argv, env, "\x1a", "TSTPS=", 500);
      expect(shown).toContain("STATE=T");
      expect(shown).toContain("TSTPS=1");
    },
    45_000,
  );
});
