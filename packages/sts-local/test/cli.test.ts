import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

describe("sts-local bin", () => {
  it("prints endpoint and root keys as one JSON line, serves, and exits on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sts-local-cli-"));
    const rolesFile = join(dir, "roles.json");
    await writeFile(
      rolesFile,
      JSON.stringify([
        { arn: "arn:aws:iam::210987654321:role/FromFile", maxSessionDuration: 7200 },
      ]),
    );
    const child = spawn(
      process.execPath,
      [cli, "--port", "0", "--roles", rolesFile, "--account-id", "210987654321"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
      const info = JSON.parse(line) as Record<string, string>;
      expect(info.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.region).toBe("us-east-1");
      expect(info.accessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
      expect(info.secretAccessKey).toHaveLength(40);

      const sts = new STSClient({
        region: info.region,
        endpoint: info.endpoint,
        credentials: {
          accessKeyId: info.accessKeyId as string,
          secretAccessKey: info.secretAccessKey as string,
        },
        maxAttempts: 1,
      });
      const who = await sts.send(new GetCallerIdentityCommand({}));
      expect(who.Account).toBe("210987654321");
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: "arn:aws:iam::210987654321:role/FromFile",
          RoleSessionName: "cli",
          DurationSeconds: 7200,
        }),
      );
      expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::210987654321:assumed-role/FromFile/cli");
      sts.destroy();

      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      expect(code).toBe(0);
    } finally {
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("fails with usage on a bad argument", async () => {
    const child = spawn(process.execPath, [cli, "--port", "nope"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(stderr).toMatch(/usage: sts-local/);
  });
});
