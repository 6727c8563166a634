import { randomKeyId } from "./credentials-store.js";

/** A role the server lets callers assume. */
export interface RoleConfig {
  /** `arn:aws:iam::ACCOUNT:role/[path/]NAME` */
  arn: string;
  /** Longest session, in seconds: 3600 by default, at most 43200. */
  maxSessionDuration?: number;
  /**
   * Principal ARNs (users, roles, assumed-role sessions), account ids, or `"*"` allowed to
   * assume the role. Default (undefined): anyone authenticated. `[]`: nobody.
   */
  trustedPrincipals?: string[];
  /** When set, AssumeRole must pass exactly this ExternalId. */
  externalId?: string;
  /** When true, AssumeRole must pass SerialNumber and a valid TokenCode. */
  requireMfa?: boolean;
  /** The one TokenCode accepted for this role; default any 6 digits (or the server's validator). */
  validTokenCode?: string;
  /** Whether AssumeRoleWithWebIdentity may assume it; default true. */
  allowWebIdentity?: boolean;
}

/** A configured role plus what the server derives from it. */
export interface Role extends Required<Pick<RoleConfig, "arn" | "maxSessionDuration">> {
  config: RoleConfig;
  /** The role name: the ARN's last path segment. */
  name: string;
  accountId: string;
  /** The role's unique id, `AROA…`, as in `AssumedRoleId`. */
  roleId: string;
}

/** The account the default roles live in. */
export const DEFAULT_ACCOUNT_ID = "123456789012";

/** The ExternalId of the default `ExternalIdRole`. */
export const DEFAULT_EXTERNAL_ID = "sts-local-external-id";

/**
 * Roles useful for tests and demos, in the given account (default 123456789012):
 * - `Demo`, `RoleA`, `RoleB`, `RoleC`: plain roles (1 h max), e.g. for chaining A → B → C;
 * - `Long`: 12 h max session;
 * - `ExternalIdRole`: requires ExternalId `sts-local-external-id`;
 * - `MfaRole`: requires SerialNumber + TokenCode (any 6 digits);
 * - `Denied`: trusts nobody, so AssumeRole is always AccessDenied.
 */
export function defaultRoles(accountId: string = DEFAULT_ACCOUNT_ID): RoleConfig[] {
  const arn = (name: string) => `arn:aws:iam::${accountId}:role/${name}`;
  return [
    { arn: arn("Demo") },
    { arn: arn("RoleA") },
    { arn: arn("RoleB") },
    { arn: arn("RoleC") },
    { arn: arn("Long"), maxSessionDuration: 43200 },
    { arn: arn("ExternalIdRole"), externalId: DEFAULT_EXTERNAL_ID },
    { arn: arn("MfaRole"), requireMfa: true },
    { arn: arn("Denied"), trustedPrincipals: [], allowWebIdentity: false },
  ];
}

/** The default roles in the default account. */
export const DEFAULT_ROLES: readonly RoleConfig[] = defaultRoles();

const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/;

/** Validate a role config and derive its name, account and unique id. */
export function toRole(config: RoleConfig): Role {
  const match = ROLE_ARN.exec(config.arn);
  if (!match) throw new TypeError(`sts-local: not a role ARN: ${config.arn}`);
  const maxSessionDuration = config.maxSessionDuration ?? 3600;
  if (
    !Number.isInteger(maxSessionDuration) ||
    maxSessionDuration < 3600 ||
    maxSessionDuration > 43200
  ) {
    throw new RangeError(
      `sts-local: maxSessionDuration of ${config.arn} must be an integer in 3600..43200`,
    );
  }
  return {
    arn: config.arn,
    maxSessionDuration,
    config,
    accountId: match[1] as string,
    name: match[2] as string,
    roleId: randomKeyId("AROA", 17),
  };
}

/** The roles a server knows, by ARN. */
export class RoleRegistry {
  readonly #roles = new Map<string, Role>();

  /** Add or replace a role. */
  add(config: RoleConfig): Role {
    const role = toRole(config);
    this.#roles.set(role.arn, role);
    return role;
  }

  get(arn: string): Role | undefined {
    return this.#roles.get(arn);
  }

  list(): Role[] {
    return [...this.#roles.values()];
  }
}
