import {
  AUTOMATIC_ROLE_SESSION_NAME,
  assumeRole,
  NoParentCredentialsError,
  Session,
} from "@assume-role-lib/core";
import { startStsLocal } from "@assume-role-lib/sts-local";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { beforeAll, describe, expect, it } from "vitest";
import { type FrozenSts, role, rootSession, useFrozenSts } from "./helpers.js";

const getSts = useFrozenSts();
let sts: FrozenSts;
beforeAll(() => {
  sts = getSts();
});

const whoAmI = async (session: Session) =>
  (
    await session
      .client(STSClient, { endpoint: sts.endpoint })
      .send(new GetCallerIdentityCommand({}))
  ).Arn;

describe("assumeRole against sts-local with the real SDK", () => {
  it("gives a session whose credentials work in any SDK client", async () => {
    const child = assumeRole(rootSession(sts), role("Demo"), { RoleSessionName: "first" });
    const client = new STSClient({
      region: child.region,
      credentials: child.credentials,
      endpoint: sts.endpoint,
    });
    const me = await client.send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:sts::123456789012:assumed-role/Demo/first`);
    expect(sts.stats.calls("AssumeRole")).toBe(1);
    expect(child.roleArn).toBe(role("Demo"));
  });

  it("chains three deep: child of child of child, each parent attached", async () => {
    const root = rootSession(sts);
    const a = root.assumeRole(role("RoleA"), { RoleSessionName: "sa" });
    const b = a.assumeRole(role("RoleB"), { RoleSessionName: "sb" });
    const c = assumeRole(b, role("RoleC"), { RoleSessionName: "sc" });
    expect(await whoAmI(c)).toBe("arn:aws:sts::123456789012:assumed-role/RoleC/sc");
    expect(c.parent).toBe(b);
    expect(b.parent).toBe(a);
    expect(a.parent).toBe(root);
    expect(root.parent).toBeUndefined();
    // AssumeRole for C was signed with B's credentials, B's with A's.
    const calls = sts.stats.requests.filter((r) => r.action === "AssumeRole");
    expect(calls.map((r) => r.roleArn)).toEqual(
      [role("RoleA"), role("RoleB"), role("RoleC")].slice(0, calls.length),
    );
    expect(calls).toHaveLength(3);
  });

  it("accepts an SDK provider function or static credentials as parent", async () => {
    const { accessKeyId, secretAccessKey } = sts.rootCredentials;
    const opts = {
      RoleSessionName: "pp",
      stsClientConfig: { endpoint: sts.endpoint },
      region: sts.region,
    };
    const fromProvider = assumeRole(
      async () => ({ accessKeyId, secretAccessKey }),
      role("Demo"),
      opts,
    );
    const fromStatic = assumeRole({ accessKeyId, secretAccessKey }, role("Demo"), opts);
    expect(await whoAmI(fromProvider)).toContain("assumed-role/Demo/pp");
    expect(await whoAmI(fromStatic)).toContain("assumed-role/Demo/pp");
  });

  it("module-level assumeRole(roleArn) uses the default session", async () => {
    Session.setDefault(rootSession(sts));
    try {
      const child = assumeRole(role("Demo"), { RoleSessionName: "dflt" });
      expect(await whoAmI(child)).toContain("assumed-role/Demo/dflt");
    } finally {
      Session.setDefault(undefined);
    }
  });

  it("Session.default() uses the SDK's default chain (here: environment variables)", async () => {
    const saved = { ...process.env };
    try {
      process.env.AWS_ACCESS_KEY_ID = sts.rootCredentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = sts.rootCredentials.secretAccessKey;
      process.env.AWS_REGION = sts.region;
      const parent = Session.default({ stsClientConfig: { endpoint: sts.endpoint } });
      expect(await parent.resolveRegion()).toBe(sts.region);
      const child = parent.assumeRole(role("Demo"), { RoleSessionName: "from-env" });
      expect(await whoAmI(child)).toContain("assumed-role/Demo/from-env");
    } finally {
      process.env = saved;
    }
  });

  it("a parent without credentials is a NoParentCredentialsError, with no STS call", async () => {
    const child = assumeRole(
      async () => {
        throw new Error("Could not load credentials from any providers");
      },
      role("Demo"),
      { stsClientConfig: { endpoint: sts.endpoint }, region: sts.region },
    );
    await expect(child.credentials()).rejects.toBeInstanceOf(NoParentCredentialsError);
    expect(sts.stats.calls()).toBe(0);
  });
});

describe("RoleSessionName: explicit > SourceIdentity > generated", () => {
  it("uses the explicit name even with a SourceIdentity", async () => {
    const s = rootSession(sts).assumeRole(role("Demo"), {
      RoleSessionName: "explicit",
      SourceIdentity: "alice",
    });
    expect(await whoAmI(s)).toMatch(/\/explicit$/);
  });

  it("uses SourceIdentity when no name is given", async () => {
    const s = rootSession(sts).assumeRole(role("Demo"), { SourceIdentity: "alice" });
    expect(await whoAmI(s)).toMatch(/\/alice$/);
    expect(sts.stats.requests.find((r) => r.action === "AssumeRole")?.params.SourceIdentity).toBe(
      "alice",
    );
  });

  it("AUTOMATIC_ROLE_SESSION_NAME forces a generated name despite SourceIdentity", async () => {
    const s = rootSession(sts).assumeRole(role("Demo"), {
      RoleSessionName: AUTOMATIC_ROLE_SESSION_NAME,
      SourceIdentity: "alice",
    });
    const name = (await whoAmI(s))?.split("/").pop();
    expect(name).not.toBe("alice");
    expect(name).toMatch(/^assume-role-lib-\d+-[a-z0-9]{6}$/);
  });

  it("a generated name is made once per session and reused on every refresh", async () => {
    const s = rootSession(sts).assumeRole(role("Demo"));
    await s.credentials();
    sts.clock.advance(59.5 * 60_000); // into the blocking window: the next call must refresh
    await s.credentials();
    const names = sts.stats.requests
      .filter((r) => r.action === "AssumeRole")
      .map((r) => r.params.RoleSessionName);
    expect(names).toHaveLength(2);
    expect(names[0]).toBe(names[1]);
    expect(s.assumeRoleRequest?.RoleSessionName).toBe(names[0]);
  });
});

describe("regions", () => {
  it("undefined links the child to the parent's region, following changes", async () => {
    const saved = process.env.AWS_REGION;
    try {
      process.env.AWS_REGION = "eu-west-1";
      const parent = Session.fromCredentials(sts.rootCredentials); // implicit region
      const linked = parent.assumeRole(role("Demo"));
      const frozen = parent.assumeRole(role("Demo"), { region: true });
      const own = parent.assumeRole(role("Demo"), { region: false });
      const fixed = parent.assumeRole(role("Demo"), { region: "ap-south-1" });
      expect(await linked.resolveRegion()).toBe("eu-west-1");
      expect(await frozen.resolveRegion()).toBe("eu-west-1");
      process.env.AWS_REGION = "us-west-2";
      expect(await parent.resolveRegion()).toBe("us-west-2");
      expect(await linked.resolveRegion()).toBe("us-west-2");
      expect(await frozen.resolveRegion()).toBe("eu-west-1");
      expect(await own.resolveRegion()).toBe("us-west-2");
      expect(fixed.region).toBe("ap-south-1");
      expect(await fixed.resolveRegion()).toBe("ap-south-1");
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });

  it("false ignores an explicit parent region; true keeps it", async () => {
    const saved = process.env.AWS_REGION;
    try {
      process.env.AWS_REGION = "us-east-2";
      const parent = rootSession(sts, undefined, { region: "eu-central-1" });
      expect(parent.assumeRole(role("Demo"), { region: true }).region).toBe("eu-central-1");
      expect(await parent.assumeRole(role("Demo"), { region: false }).resolveRegion()).toBe(
        "us-east-2",
      );
      expect(await parent.assumeRole(role("Demo")).resolveRegion()).toBe("eu-central-1");
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });

  it("AssumeRole is called in the parent's region even when the child's differs", async () => {
    // sts-local refuses requests signed for a disabled region: the child's region is one.
    const regional = await startStsLocal({ disabledRegions: ["us-west-1"] });
    try {
      const parent = rootSession(regional, undefined, { region: "eu-west-3" });
      const child = parent.assumeRole(role("Demo"), { region: "us-west-1" });
      await expect(child.credentials()).resolves.toMatchObject({ accessKeyId: expect.any(String) });
      const wrong = rootSession(regional, undefined, { region: "us-west-1" }).assumeRole(
        role("Demo"),
      );
      await expect(wrong.credentials()).rejects.toMatchObject({ code: "RegionDisabledException" });
    } finally {
      await regional.close();
    }
  });
});
