import type { Clock } from "./clock.js";
import type { CredentialsStore, Principal } from "./credentials-store.js";
import { errors } from "./errors.js";
import { checkPolicyDocument, packedPolicySize } from "./policy.js";
import type { QueryParams } from "./query-protocol.js";
import type { Role, RoleRegistry } from "./roles.js";
import { type AssumeRoleInput, parseAssumeRoleInput } from "./validation.js";
import type { XmlTree } from "./xml.js";

/** Decides whether an MFA TokenCode is valid for a serial number and role. */
export type TokenCodeValidator = (
  serialNumber: string,
  tokenCode: string,
  roleArn: string,
) => boolean;

/** What the AssumeRole actions need from the server. */
export interface AssumeRoleContext {
  roles: RoleRegistry;
  store: CredentialsStore;
  clock: Clock;
  tokenCodeValidator: TokenCodeValidator | undefined;
  /** When set, every credential lives this long, whatever DurationSeconds says. */
  issuedLifetimeSeconds: number | undefined;
}

/** The longest session a role-chained AssumeRole may ask for. */
const CHAINED_MAX_SECONDS = 3600;

/** AssumeRole: validate, authorize `caller` against the role, and issue credentials. */
export function assumeRole(
  ctx: AssumeRoleContext,
  caller: Principal,
  params: QueryParams,
): XmlTree {
  const input = parseAssumeRoleInput(params, false);
  const denied = () => errors.accessDenied(caller.arn, "sts:AssumeRole", input.RoleArn);
  const role = ctx.roles.get(input.RoleArn);
  if (!role || !trusts(role, caller)) throw denied();
  if (role.config.externalId !== undefined && input.ExternalId !== role.config.externalId) {
    throw denied();
  }
  if (role.config.requireMfa) {
    if (input.SerialNumber === undefined || input.TokenCode === undefined) throw denied();
    if (!validTokenCode(ctx, role, input.SerialNumber, input.TokenCode)) throw errors.mfaFailed();
  }

  const duration = input.DurationSeconds ?? 3600;
  // Role chaining: the caller is itself an assumed-role session.
  if (caller.kind === "session" && duration > CHAINED_MAX_SECONDS) {
    throw errors.validation(
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
  }
  if (duration > role.maxSessionDuration) {
    throw errors.validation(
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
  }

  // A source identity, once set, follows the session through every chained role.
  const inherited = caller.kind === "session" ? caller.sourceIdentity : undefined;
  if (
    inherited !== undefined &&
    input.SourceIdentity !== undefined &&
    input.SourceIdentity !== inherited
  ) {
    throw denied();
  }
  return issue(ctx, role, input, duration, inherited ?? input.SourceIdentity);
}

/**
 * AssumeRoleWithWebIdentity: unsigned, as the SDK sends it. Any token of valid length is
 * accepted; when it is a JWT its `sub`, `aud`, `iss` are echoed and an `exp` in the past
 * (by the server clock) is ExpiredTokenException, as with a real identity provider.
 */
export function assumeRoleWithWebIdentity(ctx: AssumeRoleContext, params: QueryParams): XmlTree {
  const input = parseAssumeRoleInput(params, true);
  const role = ctx.roles.get(input.RoleArn);
  if (!role || role.config.allowWebIdentity === false) {
    throw errors.webIdentityDenied();
  }
  const claims = decodeJwtClaims(input.WebIdentityToken ?? "");
  const nowSeconds = Math.floor(ctx.clock.nowMs() / 1000);
  if (typeof claims.exp === "number" && claims.exp <= nowSeconds) {
    throw errors.expiredTokenException(
      `Token expired: current date/time ${nowSeconds} must be before the expiration date/time ${claims.exp}`,
    );
  }
  const duration = input.DurationSeconds ?? 3600;
  if (duration > role.maxSessionDuration) {
    throw errors.validation(
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
  }
  const result = issue(ctx, role, input, duration, undefined);
  const audience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
  return {
    Credentials: result.Credentials,
    SubjectFromWebIdentityToken: typeof claims.sub === "string" ? claims.sub : "sts-local-subject",
    AssumedRoleUser: result.AssumedRoleUser,
    PackedPolicySize: result.PackedPolicySize,
    Provider: typeof claims.iss === "string" ? claims.iss : (input.ProviderId ?? "sts-local"),
    Audience: typeof audience === "string" ? audience : "sts-local",
  };
}

function issue(
  ctx: AssumeRoleContext,
  role: Role,
  input: AssumeRoleInput,
  durationSeconds: number,
  sourceIdentity: string | undefined,
): XmlTree {
  if (input.Policy !== undefined) checkPolicyDocument(input.Policy);
  const packed = packedPolicySize(input.Policy, input.PolicyArns, input.Tags);
  // Whole seconds, so the Expiration sent (no fraction, like STS) is exactly the one enforced.
  const lifetimeSeconds = ctx.issuedLifetimeSeconds ?? durationSeconds;
  const expiresAtMs = Math.floor(ctx.clock.nowMs() / 1000) * 1000 + lifetimeSeconds * 1000;
  const session = input.RoleSessionName;
  const principal: Principal = {
    kind: "session",
    arn: `arn:aws:sts::${role.accountId}:assumed-role/${role.name}/${session}`,
    accountId: role.accountId,
    userId: `${role.roleId}:${session}`,
    roleArn: role.arn,
    sourceIdentity,
  };
  const keys = ctx.store.issue(principal, expiresAtMs);
  return {
    Credentials: {
      AccessKeyId: keys.accessKeyId,
      SecretAccessKey: keys.secretAccessKey,
      SessionToken: keys.sessionToken,
      Expiration: new Date(expiresAtMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
    },
    AssumedRoleUser: { AssumedRoleId: principal.userId, Arn: principal.arn },
    PackedPolicySize: packed,
    SourceIdentity: sourceIdentity,
  };
}

function trusts(role: Role, caller: Principal): boolean {
  const trusted = role.config.trustedPrincipals;
  if (trusted === undefined) return true;
  const names = new Set(["*", caller.arn, caller.accountId]);
  if (caller.kind === "session") names.add(caller.roleArn);
  else names.add(`arn:aws:iam::${caller.accountId}:root`);
  return trusted.some((entry) => names.has(entry));
}

function validTokenCode(ctx: AssumeRoleContext, role: Role, serial: string, code: string): boolean {
  if (role.config.validTokenCode !== undefined) return code === role.config.validTokenCode;
  if (ctx.tokenCodeValidator) return ctx.tokenCodeValidator(serial, code, role.arn);
  return /^\d{6}$/.test(code);
}

function decodeJwtClaims(token: string): Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3) return {};
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
