/**
 * The `assume-role` program's entry: run a command line, and map every outcome to an exit
 * code (0 ok, 1 bug, 2 usage, 3 no parent credentials, 4 AssumeRole failed) with one line on
 * stderr for each failure.
 */
import { type Command, CommanderError } from "commander";
import type { CommandResult } from "./commands/result.js";
import { ExitCode, exitCodeOf, formatError } from "./errors/exit-codes.js";
import { baseProgram, configure } from "./program-base.js";

/**
 * Each command's module, loaded only when that command runs: `credential-process` is paid
 * for on every AWS CLI or SDK call that uses the profile, and must not load the server,
 * exec's signal relay or the demo.
 */
const COMMANDS: Record<string, (result: CommandResult) => Promise<Command>> = {
  "credential-process": async (r) =>
    (await import("./commands/credential-process.js")).credentialProcessCommand(r),
  exec: async (r) => (await import("./commands/exec.js")).execCommand(r),
  env: async (r) => (await import("./commands/env.js")).envCommand(r),
  serve: async (r) => (await import("./commands/serve.js")).serveCommand(r),
  demo: async (r) => (await import("./commands/demo.js")).demoCommand(r),
  // Hidden: the processes `demo` forks (demo/fleet.ts).
  "demo-worker": async (r) => (await import("./commands/demo-worker.js")).demoWorkerCommand(r),
};

/**
 * The program for this command line: only the named command when the first argument names
 * one (program.ts's createProgram must list the same), otherwise every command (help and usage
 * errors list them all).
 */
async function programFor(argv: string[], result: CommandResult): Promise<Command> {
  const name = argv[2];
  const load = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) return (await import("./program.js")).createProgram(result);
  const program = baseProgram();
  program.addCommand(await load(result));
  configure(program);
  return program;
}

/** What main() returns: an exit code, or a signal to die of (exec's child died of it). */
export interface MainOutcome {
  exitCode: number;
  signal?: NodeJS.Signals;
}

/** Run the CLI with `argv` (as process.argv: node, script, args…). */
export async function main(argv: string[]): Promise<MainOutcome> {
  const result: CommandResult = { exitCode: ExitCode.ok, debug: ownArgs(argv).includes("--debug") };
  const program = await programFor(argv, result);
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    return { exitCode: ExitCode.usage };
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every parse error (unknown flag, bad value, missing
      // argument, unknown command) is a usage error, already printed by commander.
      return { exitCode: error.exitCode === 0 ? ExitCode.ok : ExitCode.usage };
    }
    process.stderr.write(`${formatError(error, result.debug)}\n`);
    return { exitCode: exitCodeOf(error) };
  }
  return result.signal ? { exitCode: 128, signal: result.signal } : { exitCode: result.exitCode };
}

/** The arguments that are assume-role's: everything before `--` (the rest is exec's command). */
function ownArgs(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf("--");
  return end === -1 ? argv : argv.slice(0, end);
}
