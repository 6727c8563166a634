import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TokenCodeValidator } from "./assume-role.js";
import { Clock } from "./clock.js";
import {
  CredentialsStore,
  type RootCredentials,
  randomKeyId,
  randomSecret,
} from "./credentials-store.js";
import { Faults } from "./faults.js";
import { type HandlerContext, handleRequest } from "./handler.js";
import { DEFAULT_ACCOUNT_ID, defaultRoles, type RoleConfig, RoleRegistry } from "./roles.js";
import { Stats } from "./stats.js";

/** Options of {@link startStsLocal}. All optional. */
export interface StsLocalOptions {
  /** Port to listen on; default 0 (any free port). */
  port?: number;
  /** Address to listen on; default `127.0.0.1`. */
  host?: string;
  /** The account of the root keys and the default roles; default `123456789012`. */
  accountId?: string;
  /** The region reported in the handle; default `us-east-1`. */
  region?: string;
  /** Long-term keys the server accepts; default: one key pair generated at start. */
  rootCredentials?: RootCredentials | RootCredentials[];
  /** Roles callers may assume; default: {@link defaultRoles}. */
  roles?: RoleConfig[];
  /** Add the default roles too (default: only when `roles` is not given). */
  defaultRoles?: boolean;
  /** Time source for the controllable clock; default `Date.now`. */
  now?: () => Date | number;
  /** Validates MFA codes of roles without `validTokenCode`; default: any 6 digits. */
  tokenCodeValidator?: TokenCodeValidator;
  /**
   * Issue every credential with this lifetime (whole seconds, at least 1) instead of
   * `DurationSeconds`, which is still validated as STS does. For tests with real SDK
   * clients in other processes: their clocks cannot be driven, so credentials that expire
   * in seconds are how they see several lifetimes in a short test.
   */
  issuedLifetimeSeconds?: number;
  /** Requests signed for these regions get RegionDisabledException. */
  disabledRegions?: string[];
  /** How many recent requests `stats.requests` keeps; default 100. */
  requestLogSize?: number;
  /**
   * The error for a request signed with an expired issued key. Real STS sends
   * `ExpiredToken` (403); `ExpiredTokenException` (400) is the modeled SDK exception.
   */
  expiredTokenError?: "ExpiredToken" | "ExpiredTokenException";
  /**
   * Reject requests signed more than 15 minutes from the server clock with
   * `SignatureDoesNotMatch` ("Signature expired: …"), as real STS does. Default false: tests
   * move the server clock by hours and most do not exercise skew.
   */
  rejectSkewedSignatures?: boolean;
  /** Send the `Date` response header (the server clock's time). Default true, as AWS does. */
  dateHeader?: boolean;
}

/** A running sts-local server. */
export interface StsLocal {
  /** `http://127.0.0.1:PORT`: pass as the SDK client's `endpoint`. */
  readonly endpoint: string;
  /** The region to configure clients with (`us-east-1`). */
  readonly region: string;
  readonly accountId: string;
  /** The first root key pair, to sign requests with. */
  readonly rootCredentials: { accessKeyId: string; secretAccessKey: string };
  readonly stats: Stats;
  readonly faults: Faults;
  readonly clock: Clock;
  /** Add (or replace) a role while running. */
  addRole(role: RoleConfig): void;
  /**
   * Revoke issued keys: requests signed with them get `InvalidClientTokenId`, as for a key
   * STS never issued. No argument: every key issued so far (root keys are never revoked).
   * Returns how many keys were revoked.
   */
  revoke(accessKeyIds?: string | string[]): number;
  /** Stop listening and close every open connection. */
  close(): Promise<void>;
}

/** Start an STS-compatible server for tests, benchmarks and demos. */
export async function startStsLocal(options: StsLocalOptions = {}): Promise<StsLocal> {
  const lifetime = options.issuedLifetimeSeconds;
  if (lifetime !== undefined && !(Number.isInteger(lifetime) && lifetime >= 1)) {
    throw new RangeError("issuedLifetimeSeconds must be a whole number of seconds, at least 1");
  }
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const region = options.region ?? "us-east-1";
  const clock = new Clock(options.now);
  const store = new CredentialsStore();
  const roots = toArray(options.rootCredentials);
  if (roots.length === 0) {
    // Generated at runtime: no key-shaped literal is ever committed.
    roots.push({ accessKeyId: randomKeyId("AKIA"), secretAccessKey: randomSecret() });
  }
  for (const root of roots) store.addRoot(root, accountId);

  const roles = new RoleRegistry();
  const withDefaults = options.defaultRoles ?? options.roles === undefined;
  if (withDefaults) for (const role of defaultRoles(accountId)) roles.add(role);
  for (const role of options.roles ?? []) roles.add(role);

  const ctx: HandlerContext = {
    roles,
    store,
    clock,
    tokenCodeValidator: options.tokenCodeValidator,
    issuedLifetimeSeconds: lifetime,
    stats: new Stats(options.requestLogSize),
    faults: new Faults(),
    disabledRegions: new Set(options.disabledRegions ?? []),
    expiredTokenError: options.expiredTokenError ?? "ExpiredToken",
    signingSkewLimitMs: options.rejectSkewedSignatures ? 15 * 60_000 : undefined,
    dateHeader: options.dateHeader ?? true,
  };

  const server = createServer((req, res) => {
    handleRequest(ctx, req, res).catch(() => req.socket.destroy());
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const first = roots[0] as RootCredentials;

  return {
    endpoint: `http://${endpointHost(host)}:${port}`,
    region,
    accountId,
    rootCredentials: { accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey },
    stats: ctx.stats,
    faults: ctx.faults,
    clock,
    addRole: (role) => {
      roles.add(role);
    },
    revoke: (accessKeyIds) => store.revoke(accessKeyIds),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of SDK clients would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

function toArray(value: RootCredentials | RootCredentials[] | undefined): RootCredentials[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value];
}

/** A wildcard address is not connectable; IPv6 literals need brackets in a URL. */
function endpointHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}
