#!/usr/bin/env node
/**
 * `sts-local --port N --roles roles.json [--host H] [--account-id ID]`
 *
 * Starts the server and prints one JSON line with the endpoint and the root keys, which
 * the caller needs to sign requests; then runs until SIGINT/SIGTERM.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { RoleConfig } from "./roles.js";
import { startStsLocal } from "./server.js";

const USAGE =
  "usage: sts-local [--port N] [--host H] [--account-id ID] [--roles roles.json] [--default-roles]";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string" },
      "account-id": { type: "string" },
      roles: { type: "string" },
      "default-roles": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid --port: ${values.port}`);

  let roles: RoleConfig[] | undefined;
  if (values.roles !== undefined) {
    const parsed: unknown = JSON.parse(await readFile(values.roles, "utf8"));
    // Accept either a bare array or `{ "roles": [...] }`.
    const list = Array.isArray(parsed) ? parsed : (parsed as { roles?: unknown }).roles;
    if (!Array.isArray(list)) throw new Error(`${values.roles}: expected an array of roles`);
    roles = list as RoleConfig[];
  }

  const sts = await startStsLocal({
    port,
    host: values.host,
    accountId: values["account-id"],
    roles,
    defaultRoles: values["default-roles"],
  });
  process.stdout.write(
    `${JSON.stringify({
      endpoint: sts.endpoint,
      region: sts.region,
      accountId: sts.accountId,
      accessKeyId: sts.rootCredentials.accessKeyId,
      secretAccessKey: sts.rootCredentials.secretAccessKey,
    })}\n`,
  );
  const stop = () => {
    sts.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `sts-local: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`,
  );
  process.exit(2);
});
