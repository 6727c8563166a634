#!/usr/bin/env node
/** The `assume-role` bin: run main(), let stdout drain, then exit (or die of exec's signal). */
import { constants } from "node:os";
import { main } from "./main.js";

// Without a listener, SIGUSR1 makes Node open its inspector on 127.0.0.1:9229, from which
// anyone on the host could read the credentials in this process. `exec` relays it to its
// command (signal-relay.ts); every other command ignores it.
process.on("SIGUSR1", () => {});

// A reader that stopped reading (`assume-role env | head -1`): end as a tool killed by
// SIGPIPE does (128 + 13, nothing printed), not with an unhandled EPIPE and its stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(128 + constants.signals.SIGPIPE);
  });
}

function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

/** Run, then exit with the outcome (a function: the bin is CommonJS, without top-level await). */
async function run(): Promise<void> {
  const outcome = await main(process.argv);
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  if (outcome.signal) {
    // The child of `exec` died of a signal: die of the same one, so that a shell sees it.
    // Signals that do not end a Node process by default fall through to 128 + n; SIGUSR1 is
    // never raised (it would open the inspector).
    if (outcome.signal !== "SIGUSR1") {
      process.removeAllListeners(outcome.signal);
      process.kill(process.pid, outcome.signal);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    process.exit(128 + (constants.signals[outcome.signal] ?? 0));
  }
  process.exit(outcome.exitCode);
}

void run();
