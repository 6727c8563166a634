/**
 * What `exec` does with the signals it receives while its command runs: it passes every
 * catchable one on, so that the wrapper is transparent (a supervisor that sends SIGUSR2 or
 * SIGHUP to "the process" reaches the command, and never kills the wrapper alone, which
 * would leave the command running with nobody to report its exit).
 *
 * - Not relayed: SIGKILL and SIGSTOP (cannot be caught), SIGCHLD (about our own child),
 *   SIGPIPE (Node ignores it; it is raised by our own writes, not sent to us), SIGSEGV,
 *   SIGBUS, SIGFPE, SIGILL, SIGABRT and SIGTRAP (faults of this process, or its own
 *   abort), SIGPROF (V8's profiler).
 * - At a terminal, the signals the terminal or the shell sends to the whole foreground
 *   process group (SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH, SIGCONT) already
 *   reached the command: a second copy would make terraform skip its graceful shutdown on
 *   Ctrl-C, or stop vim again right after `fg`. Without a terminal, a signal was sent to us
 *   alone (by a supervisor, `kill`, a CI runner), so the command must get it from us.
 * - SIGTSTP, SIGTTIN, SIGTTOU: after relaying, the wrapper stops itself (SIGSTOP), as
 *   dumb-init does, so the shell sees the job stopped; SIGCONT resumes both.
 * - SIGUSR1 is relayed like the others. A listener on it also keeps Node from opening
 *   its inspector on 127.0.0.1:9229 in a process that holds credentials (cli.ts installs
 *   one at start-up, for every command).
 */
import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";

const NOT_RELAYED = new Set([
  "SIGKILL",
  "SIGSTOP",
  "SIGCHLD",
  "SIGCLD",
  "SIGPIPE",
  "SIGSEGV",
  "SIGBUS",
  "SIGFPE",
  "SIGILL",
  "SIGABRT",
  "SIGIOT",
  "SIGTRAP",
  "SIGPROF",
]);

/** Sent by the terminal or the shell to the whole foreground process group. */
const FROM_THE_TERMINAL = new Set<NodeJS.Signals>([
  "SIGINT",
  "SIGQUIT",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGWINCH",
  "SIGCONT",
]);

/** Signals whose default action stops a process: the wrapper stops with its command. */
const STOPPING = new Set<NodeJS.Signals>(["SIGTSTP", "SIGTTIN", "SIGTTOU"]);

/**
 * The signals `exec` relays on this platform: every name Node knows, once per number
 * (SIGIO and SIGPOLL are one signal), minus those above.
 */
export const RELAYED_SIGNALS: readonly NodeJS.Signals[] = (() => {
  const seen = new Set<number>();
  const names: NodeJS.Signals[] = [];
  for (const [name, number] of Object.entries(constants.signals)) {
    if (NOT_RELAYED.has(name) || seen.has(number)) continue;
    seen.add(number);
    names.push(name as NodeJS.Signals);
  }
  return names;
})();

/** Whether a signal we received goes on to the command (see the module comment). */
export function relays(signal: NodeJS.Signals, interactive: boolean): boolean {
  return !(interactive && FROM_THE_TERMINAL.has(signal));
}

/**
 * Relay signals to `child` until the returned function is called. A listener for every
 * signal also keeps the wrapper alive (relayed or not) until the child is done.
 */
export function relaySignals(child: ChildProcess, interactive: boolean): () => void {
  const relay = (signal: NodeJS.Signals) => {
    const running = child.exitCode === null && child.signalCode === null;
    if (running && relays(signal, interactive)) {
      try {
        child.kill(signal);
      } catch {
        // The child exited in between: nothing to relay to.
      }
    }
    if (running && STOPPING.has(signal)) process.kill(process.pid, "SIGSTOP");
  };
  const installed: NodeJS.Signals[] = [];
  for (const signal of RELAYED_SIGNALS) {
    try {
      process.on(signal, relay);
      installed.push(signal);
    } catch {
      // A name this platform's libuv cannot watch: nothing arrives by it.
    }
  }
  return () => {
    for (const signal of installed) process.off(signal, relay);
  };
}
