/**
 * `--mfa`: ask for the MFA code on the terminal when STS is actually called (a cache hit
 * asks nothing). The prompt goes to the terminal itself when there is one (/dev/tty), as
 * botocore does: under `credential_process` the SDK captures stdout and stderr, so a prompt
 * on stderr would never be seen. Without any terminal it is a usage error (exit 2).
 */
import { closeSync, openSync } from "node:fs";
import { UsageError } from "./errors/exit-codes.js";

// readline and tty are loaded when a prompt is shown: a cache hit never needs them.

interface Terminal {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  close(): void;
}

async function openTerminal(): Promise<Terminal | undefined> {
  const { ReadStream, WriteStream } = await import("node:tty");
  let readFd: number | undefined;
  try {
    readFd = openSync("/dev/tty", "r");
    const writeFd = openSync("/dev/tty", "w");
    const input = new ReadStream(readFd);
    const output = new WriteStream(writeFd);
    return {
      input,
      output,
      close: () => {
        input.destroy();
        output.destroy();
      },
    };
  } catch {
    // No controlling terminal (a daemon, CI, a detached process): try stdin.
    if (readFd !== undefined) closeSync(readFd);
  }
  if (process.stdin.isTTY) {
    return { input: process.stdin, output: process.stderr, close: () => process.stdin.pause() };
  }
  return undefined;
}

/** Read one line from the terminal after printing the question. */
async function ask(terminal: Terminal, question: string): Promise<string> {
  const { createInterface } = await import("node:readline");
  const rl = createInterface({ input: terminal.input, output: terminal.output, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once("close", () => reject(new UsageError("no MFA code entered")));
      rl.question(question, resolve);
    });
  } finally {
    rl.removeAllListeners("close");
    rl.close();
  }
}

/**
 * A TokenCode function that prompts for the code of the given MFA device. `asker` names
 * what needs the code, for the error when there is no terminal.
 */
export function mfaPrompt(
  serialNumber: string | undefined,
  asker = "--mfa",
): () => Promise<string> {
  return async () => {
    const terminal = await openTerminal();
    if (!terminal) {
      throw new UsageError(
        `${asker} needs a terminal to prompt for the MFA code, and there is none; pass --TokenCode CODE instead`,
      );
    }
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const code = (await ask(terminal, `MFA code for ${serialNumber ?? "your MFA device"}: `))
          .trim()
          .replace(/\s+/g, "");
        if (/^\d{6}$/.test(code)) return code;
        terminal.output.write("An MFA code is 6 digits.\n");
      }
      throw new UsageError("no valid MFA code entered (6 digits)");
    } finally {
      terminal.close();
    }
  };
}
