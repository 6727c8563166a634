import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import {
  AssumeRoleCommand,
  ExpiredTokenException,
  GetCallerIdentityCommand,
  MalformedPolicyDocumentException,
  PackedPolicyTooLargeException,
  RegionDisabledException,
  STSClient,
  STSServiceException,
} from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { client, keysOf, rejection, role } from "./helpers.js";

let sts: StsLocal;
beforeAll(async () => {
  sts = await startStsLocal({ disabledRegions: ["eu-south-1"] });
});
afterAll(() => sts.close());
beforeEach(() => {
  sts.clock.useRealTime();
  sts.faults.clear();
});

const assume = (extra: object = {}) =>
  new AssumeRoleCommand({ RoleArn: role("Demo"), RoleSessionName: "errors", ...extra });

/** A policy of incompressible text: within 2048 characters but too big once packed. */
function incompressiblePolicy(): string {
  let noise = "";
  for (let i = 0; noise.length < 1900; i++) noise += ((i * 2654435761) % 4294967296).toString(36);
  return JSON.stringify({ Version: "2012-10-17", Statement: [], Sid: noise.slice(0, 1900) });
}

async function issued() {
  const out = await client(sts).send(assume({ DurationSeconds: 900 }));
  return keysOf(out.Credentials);
}

describe("errors map to the SDK's exceptions", () => {
  it.each<[string, () => Promise<unknown>, string, number, (new (...args: never[]) => Error)?]>([
    [
      "AccessDenied",
      () => client(sts).send(assume({ RoleArn: role("Denied") })),
      "AccessDenied",
      403,
    ],
    [
      "ValidationError",
      () => client(sts).send(assume({ RoleSessionName: "!" })),
      "ValidationError",
      400,
    ],
    [
      "Throttling",
      () => {
        sts.faults.throttleNext(1);
        return client(sts).send(new GetCallerIdentityCommand({}));
      },
      "Throttling",
      400,
    ],
    [
      "InvalidClientTokenId (unknown key)",
      () =>
        client(sts, { accessKeyId: "AKIA".padEnd(20, "Q"), secretAccessKey: "x".repeat(40) }).send(
          new GetCallerIdentityCommand({}),
        ),
      "InvalidClientTokenId",
      403,
    ],
    [
      "InvalidClientTokenId (issued key, wrong session token)",
      async () =>
        client(sts, { ...(await issued()), sessionToken: "forged" }).send(
          new GetCallerIdentityCommand({}),
        ),
      "InvalidClientTokenId",
      403,
    ],
    [
      "InvalidClientTokenId (issued key, no session token)",
      async () => {
        const { sessionToken: _omitted, ...keys } = await issued();
        return client(sts, keys).send(new GetCallerIdentityCommand({}));
      },
      "InvalidClientTokenId",
      403,
    ],
    [
      "SignatureDoesNotMatch (wrong secret)",
      () =>
        client(sts, { ...sts.rootCredentials, secretAccessKey: "y".repeat(40) }).send(
          new GetCallerIdentityCommand({}),
        ),
      "SignatureDoesNotMatch",
      403,
    ],
    [
      "SignatureDoesNotMatch (issued key, wrong secret)",
      async () =>
        client(sts, { ...(await issued()), secretAccessKey: "z".repeat(40) }).send(
          new GetCallerIdentityCommand({}),
        ),
      "SignatureDoesNotMatch",
      403,
    ],
    [
      "RegionDisabledException",
      () =>
        new STSClient({
          region: "eu-south-1",
          endpoint: sts.endpoint,
          credentials: sts.rootCredentials,
          maxAttempts: 1,
        }).send(new GetCallerIdentityCommand({})),
      "RegionDisabledException",
      403,
      RegionDisabledException,
    ],
    [
      "MalformedPolicyDocument",
      () => client(sts).send(assume({ Policy: "{not json" })),
      "MalformedPolicyDocumentException",
      400,
      MalformedPolicyDocumentException,
    ],
    [
      "PackedPolicyTooLarge",
      () => client(sts).send(assume({ Policy: incompressiblePolicy() })),
      "PackedPolicyTooLargeException",
      400,
      PackedPolicyTooLargeException,
    ],
  ])("%s", async (_name, call, name, status, exceptionClass) => {
    const error = await rejection(call());
    expect(error).toBeInstanceOf(STSServiceException);
    if (exceptionClass) expect(error).toBeInstanceOf(exceptionClass);
    expect(error.name).toBe(name);
    expect(error.$metadata?.httpStatusCode).toBe(status);
    expect(error.$metadata?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.$fault).toBe("client");
  });

  it("an expired issued key is ExpiredToken (403), as with real STS", async () => {
    const keys = await issued();
    const c = client(sts, keys);
    await expect(c.send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
    sts.clock.advance(900_000);
    const error = await rejection(c.send(new GetCallerIdentityCommand({})));
    expect(error.name).toBe("ExpiredToken");
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect(error.message).toBe("The security token included in the request is expired");
    expect(error.message).not.toContain(keys.secretAccessKey);
  });

  it("can report expired keys as ExpiredTokenException instead", async () => {
    const other = await startStsLocal({ expiredTokenError: "ExpiredTokenException" });
    try {
      const out = await client(other).send(assume());
      other.clock.advance(3601_000);
      const error = await rejection(
        client(other, keysOf(out.Credentials)).send(new GetCallerIdentityCommand({})),
      );
      expect(error).toBeInstanceOf(ExpiredTokenException);
      expect(error.$metadata?.httpStatusCode).toBe(400);
    } finally {
      await other.close();
    }
  });

  it("an issued key used as a parent after expiry cannot assume a role", async () => {
    const keys = await issued();
    sts.clock.advance(3600_000);
    const error = await rejection(client(sts, keys).send(assume()));
    expect(error.name).toBe("ExpiredToken");
  });
});

describe("protocol errors", () => {
  it("an unknown action is InvalidAction (400) in an XML error document", async () => {
    const response = await fetch(sts.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetSessionToken&Version=2011-06-15",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("text/xml");
    const body = await response.text();
    expect(body).toContain('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(body).toContain("<Type>Sender</Type><Code>InvalidAction</Code>");
    expect(body).toContain(`<RequestId>${response.headers.get("x-amzn-requestid")}</RequestId>`);
  });

  it("an unsigned AssumeRole is MissingAuthenticationToken", async () => {
    const response = await fetch(sts.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(role("Demo"))}&RoleSessionName=x1`,
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("<Code>MissingAuthenticationToken</Code>");
  });

  it("a tampered body fails the signature check", async () => {
    const c = client(sts);
    c.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: string };
        request.body = request.body.replace("RoleSessionName=signed", "RoleSessionName=singed");
        return next(args);
      },
      { step: "finalizeRequest", priority: "low" },
    );
    const error = await rejection(c.send(assume({ RoleSessionName: "signed" })));
    expect(error.name).toBe("SignatureDoesNotMatch");
  });
});
