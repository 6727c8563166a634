export type { ResolvedCredentials } from "./assume.js";
export { assumeFromOptions } from "./assume.js";
export type { CacheOptions, CacheOptionValue, OpenedCache } from "./cache-option.js";
export { openCache, parseCacheOption } from "./cache-option.js";
export { childEnvironment } from "./commands/exec.js";
export type { CommandResult } from "./commands/result.js";
export type { ExitCodeValue } from "./errors/exit-codes.js";
export { ExitCode, exitCodeOf, formatError, UsageError } from "./errors/exit-codes.js";
export type { MainOutcome } from "./main.js";
export { main } from "./main.js";
export type { CommonOptionValues } from "./options.js";
export type { EnvFormat } from "./output-formats.js";
export {
  credentialProcessJson,
  credentialVariables,
  ENV_FORMATS,
  formatEnv,
  quoteFish,
  quotePowerShell,
  quoteSh,
  UnsafeOutputError,
} from "./output-formats.js";
export { createProgram } from "./program.js";
export { RELAYED_SIGNALS } from "./signal-relay.js";
