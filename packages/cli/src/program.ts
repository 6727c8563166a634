/**
 * The `assume-role` program: its description, help and error output, and its commands.
 * `createProgram` builds it with every command; the bin builds it with only the command it
 * runs (main.ts), so that a `credential_process` call loads nothing of exec, serve or demo.
 */
import type { Command } from "commander";
import { credentialProcessCommand } from "./commands/credential-process.js";
import { demoCommand } from "./commands/demo.js";
import { demoWorkerCommand } from "./commands/demo-worker.js";
import { envCommand } from "./commands/env.js";
import { execCommand } from "./commands/exec.js";
import type { CommandResult } from "./commands/result.js";
import { serveCommand } from "./commands/serve.js";
import { baseProgram, configure } from "./program-base.js";

/** Build the program with every command. `result` receives each command's outcome. */
export function createProgram(result: CommandResult): Command {
  const program = baseProgram();
  program.addCommand(credentialProcessCommand(result));
  program.addCommand(execCommand(result));
  program.addCommand(envCommand(result));
  program.addCommand(serveCommand(result));
  program.addCommand(demoCommand(result));
  program.addCommand(demoWorkerCommand(result), { hidden: true });
  configure(program);
  return program;
}
