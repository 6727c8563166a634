/** What a command's action leaves for main(): its exit code and whether --debug was given. */
export interface CommandResult {
  exitCode: number;
  debug: boolean;
  /** `exec`: the child died of this signal; the CLI re-raises it on itself. */
  signal?: NodeJS.Signals;
}
