/**
 * Session.fromProfile: the credentials at the root of a chain (credential_source
 * Environment, Ec2InstanceMetadata, EcsContainer), profiles without a role through the
 * SDK's own providers (keys, credential_process), and AWS_PROFILE, AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE. Real files, real HTTP, a real credential_process.
 */

import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { NoParentCredentialsError, Session } from "@assume-role-lib/core";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { afterEach, describe, expect, it } from "vitest";
import { role, useFrozenSts } from "./helpers.js";
import {
  cleanProfileFiles,
  profileFiles,
  rootKeysSection,
  stsProfileOptions,
  useEnv,
} from "./profile-helpers.js";

const sts = useFrozenSts();
cleanProfileFiles();
const setEnv = useEnv();

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

/** Session credentials that sts-local accepts, as a metadata service would hand them out. */
async function issuedCredentials() {
  const client = new STSClient({
    region: sts().region,
    endpoint: sts().endpoint,
    credentials: sts().rootCredentials,
    maxAttempts: 1,
  });
  const { Credentials } = await client.send(
    new AssumeRoleCommand({ RoleArn: role("Demo"), RoleSessionName: "instance" }),
  );
  sts().stats.reset();
  if (!Credentials?.AccessKeyId) throw new Error("sts-local issued nothing");
  return {
    AccessKeyId: Credentials.AccessKeyId,
    SecretAccessKey: Credentials.SecretAccessKey as string,
    Token: Credentials.SessionToken as string,
    Expiration: (Credentials.Expiration as Date).toISOString(),
  };
}

/** A loopback HTTP server answering GET/PUT paths with fixed bodies. */
async function serve(routes: Record<string, string>): Promise<string> {
  const server = createServer((req, res) => {
    const body = routes[`${req.method} ${req.url}`];
    res.writeHead(body === undefined ? 404 : 200).end(body ?? "");
  });
  servers.push(server);
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sourced = (source: string) =>
  `[profile app]\nrole_arn = ${role("RoleA")}\ncredential_source = ${source}\nregion = us-east-1\n`;

async function assumeFromSource(source: string, expectedParentKey: string) {
  const files = await profileFiles();
  await files.write(sourced(source));
  const app = await Session.fromProfile("app", stsProfileOptions(sts(), files));
  await app.credentials();
  expect(sts().stats.calls("AssumeRole", role("RoleA"))).toBe(1);
  expect(sts().stats.requests[0]?.accessKeyId).toBe(expectedParentKey);
}

describe("credential_source", () => {
  it("Environment: the AWS_ACCESS_KEY_ID variables", async () => {
    setEnv({
      AWS_ACCESS_KEY_ID: sts().rootCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sts().rootCredentials.secretAccessKey,
      AWS_SESSION_TOKEN: undefined,
    });
    await assumeFromSource("Environment", sts().rootCredentials.accessKeyId);
  });

  it("Ec2InstanceMetadata: IMDSv2 at AWS_EC2_METADATA_SERVICE_ENDPOINT", async () => {
    const creds = await issuedCredentials();
    const path = "/latest/meta-data/iam/security-credentials/";
    const endpoint = await serve({
      "PUT /latest/api/token": "imds-token",
      [`GET ${path}`]: "instance-role",
      [`GET ${path}instance-role`]: JSON.stringify({ Code: "Success", ...creds }),
    });
    setEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint, AWS_EC2_METADATA_DISABLED: undefined });
    await assumeFromSource("Ec2InstanceMetadata", creds.AccessKeyId);
  });

  it("EcsContainer: AWS_CONTAINER_CREDENTIALS_FULL_URI", async () => {
    const creds = await issuedCredentials();
    const endpoint = await serve({ "GET /credentials": JSON.stringify(creds) });
    setEnv({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint}/credentials`,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: undefined,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: undefined,
    });
    await assumeFromSource("EcsContainer", creds.AccessKeyId);
  });

  it("a source with no credentials: NoParentCredentialsError, no AssumeRole", async () => {
    setEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    const files = await profileFiles();
    await files.write(sourced("Environment"));
    const app = await Session.fromProfile("app", stsProfileOptions(sts(), files));
    await expect(app.credentials()).rejects.toBeInstanceOf(NoParentCredentialsError);
    expect(sts().stats.calls()).toBe(0);
  });
});

describe("profiles without role_arn: the SDK's own providers", () => {
  it("static keys", async () => {
    const files = await profileFiles();
    await files.write("[profile keys]\nregion = us-west-2\n", rootKeysSection(sts(), "keys"));
    const keys = await Session.fromProfile("keys", stsProfileOptions(sts(), files));
    expect(keys.roleArn).toBeUndefined();
    expect((await keys.credentials()).accessKeyId).toBe(sts().rootCredentials.accessKeyId);
    expect(await keys.resolveRegion()).toBe("us-west-2");
  });

  it("credential_process, as the source of a role", async () => {
    const files = await profileFiles();
    const script = join(files.dir, "process.mjs");
    const { accessKeyId, secretAccessKey } = sts().rootCredentials;
    await writeFile(
      script,
      `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: ${JSON.stringify(accessKeyId)}, SecretAccessKey: ${JSON.stringify(secretAccessKey)} }));\n`,
    );
    await files.write(
      `[profile proc]\ncredential_process = "${process.execPath}" "${script}"\n` +
        `[profile app]\nrole_arn = ${role("RoleA")}\nsource_profile = proc\n`,
    );
    const app = await Session.fromProfile("app", stsProfileOptions(sts(), files));
    await app.credentials();
    expect(sts().stats.requests[0]?.accessKeyId).toBe(accessKeyId);
  });
});

describe("the environment variables the SDK honours", () => {
  it("AWS_PROFILE, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE", async () => {
    const files = await profileFiles();
    await files.write(
      `[profile from-env]\nrole_arn = ${role("RoleC")}\nsource_profile = base\n`,
      rootKeysSection(sts()),
    );
    setEnv({
      AWS_PROFILE: "from-env",
      AWS_CONFIG_FILE: files.configFile,
      AWS_SHARED_CREDENTIALS_FILE: files.credentialsFile,
    });
    const session = await Session.fromProfile(undefined, {
      stsClientConfig: { endpoint: sts().endpoint, maxAttempts: 1 },
      clock: sts().now,
    });
    expect(session.roleArn).toBe(role("RoleC"));
    await session.credentials();
    expect(sts().stats.calls("AssumeRole", role("RoleC"))).toBe(1);
  });
});
