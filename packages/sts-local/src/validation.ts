import { errors } from "./errors.js";
import { listParam, type QueryParams, structListParam } from "./query-protocol.js";

/**
 * Parameter constraints of the STS API, checked as STS checks them (the Coral model
 * constraints) and reported with STS's message shape:
 * `1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy
 * constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`.
 */
class Violations {
  readonly #messages: string[] = [];

  add(field: string, value: unknown, constraint: string): void {
    const shown =
      value === null
        ? "null"
        : `'${Array.isArray(value) ? `[${value.join(", ")}]` : String(value)}'`;
    this.#messages.push(`Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`);
  }

  required(field: string, value: unknown): boolean {
    if (value === undefined) this.add(field, null, "Member must not be null");
    return value !== undefined;
  }

  /** Length bounds and an optional pattern, for an optional string. */
  string(
    field: string,
    value: string | undefined,
    min: number,
    max: number,
    pattern?: string,
  ): void {
    if (value === undefined) return;
    const length = [...value].length;
    if (length < min)
      this.add(field, value, `Member must have length greater than or equal to ${min}`);
    if (length > max)
      this.add(field, value, `Member must have length less than or equal to ${max}`);
    if (pattern && !new RegExp(`^(?:${pattern})$`, "u").test(value)) {
      this.add(field, value, `Member must satisfy regular expression pattern: ${pattern}`);
    }
  }

  count(field: string, list: unknown[] | undefined, max: number): void {
    if (list && list.length > max) {
      this.add(field, list.length, `Member must have length less than or equal to ${max}`);
    }
  }

  throwIfAny(): void {
    const n = this.#messages.length;
    if (n === 0) return;
    throw errors.validation(
      `${n} validation error${n === 1 ? "" : "s"} detected: ${this.#messages.join("; ")}`,
    );
  }
}

const NAME_PATTERN = "[\\w+=,.@-]*";
const EXTERNAL_ID_PATTERN = "[\\w+=,.@:\\/-]*";
const SERIAL_PATTERN = "[\\w+=/:,.@-]*";
const TAG_KEY_PATTERN = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+";
const TAG_VALUE_PATTERN = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*";

/** A session tag. */
export interface Tag {
  Key: string;
  Value: string;
}

/** AssumeRole / AssumeRoleWithWebIdentity input after decoding and validation. */
export interface AssumeRoleInput {
  RoleArn: string;
  RoleSessionName: string;
  DurationSeconds: number | undefined;
  Policy: string | undefined;
  PolicyArns: string[];
  Tags: Tag[];
  TransitiveTagKeys: string[];
  ExternalId: string | undefined;
  SerialNumber: string | undefined;
  TokenCode: string | undefined;
  SourceIdentity: string | undefined;
  ProvidedContexts: { ProviderArn?: string; ContextAssertion?: string }[];
  WebIdentityToken: string | undefined;
  ProviderId: string | undefined;
}

/** The Policy length limit, counted without whitespace, like STS's plaintext limit. */
export const MAX_POLICY_CHARS = 2048;

/**
 * Decode and validate the parameters of AssumeRole (or AssumeRoleWithWebIdentity when
 * `webIdentity`), throwing a `ValidationError` listing every violated constraint.
 */
export function parseAssumeRoleInput(params: QueryParams, webIdentity: boolean): AssumeRoleInput {
  const v = new Violations();
  const duration = params.DurationSeconds;
  const input: AssumeRoleInput = {
    RoleArn: params.RoleArn ?? "",
    RoleSessionName: params.RoleSessionName ?? "",
    DurationSeconds: duration === undefined ? undefined : Number(duration),
    Policy: params.Policy,
    PolicyArns: (structListParam(params, "PolicyArns") ?? []).map((p) => p.arn ?? ""),
    Tags: (structListParam(params, "Tags") ?? []).map((t) => ({
      Key: t.Key ?? "",
      Value: t.Value ?? "",
    })),
    TransitiveTagKeys: listParam(params, "TransitiveTagKeys") ?? [],
    ExternalId: params.ExternalId,
    SerialNumber: params.SerialNumber,
    TokenCode: params.TokenCode,
    SourceIdentity: params.SourceIdentity,
    ProvidedContexts: structListParam(params, "ProvidedContexts") ?? [],
    WebIdentityToken: params.WebIdentityToken,
    ProviderId: params.ProviderId,
  };

  if (v.required("roleArn", params.RoleArn)) v.string("roleArn", input.RoleArn, 20, 2048);
  if (v.required("roleSessionName", params.RoleSessionName)) {
    v.string("roleSessionName", input.RoleSessionName, 2, 64, NAME_PATTERN);
  }
  if (duration !== undefined) {
    const n = input.DurationSeconds as number;
    if (!Number.isInteger(n)) v.add("durationSeconds", duration, "Member must be an integer");
    else if (n < 900)
      v.add("durationSeconds", duration, "Member must have value greater than or equal to 900");
    else if (n > 43200)
      v.add("durationSeconds", duration, "Member must have value less than or equal to 43200");
  }
  if (input.Policy !== undefined) {
    // STS counts the plaintext policy without whitespace; the raw string may be longer.
    const stripped = input.Policy.replace(/\s+/g, "");
    if (stripped.length < 1)
      v.add("policy", input.Policy, "Member must have length greater than or equal to 1");
    if (stripped.length > MAX_POLICY_CHARS) {
      v.add("policy", "…", `Member must have length less than or equal to ${MAX_POLICY_CHARS}`);
    }
  }
  v.count("policyArns", input.PolicyArns, 10);
  for (const [i, arn] of input.PolicyArns.entries()) {
    v.string(`policyArns.${i + 1}.member.arn`, arn, 20, 2048);
  }

  if (webIdentity) {
    if (v.required("webIdentityToken", params.WebIdentityToken)) {
      // Length only: the token itself is a secret and is never echoed.
      const length = input.WebIdentityToken?.length ?? 0;
      if (length < 4 || length > 20000) {
        v.add("webIdentityToken", "***", "Member must have length between 4 and 20000");
      }
    }
    v.string("providerId", input.ProviderId, 4, 2048);
  } else {
    v.count("tags", input.Tags, 50);
    input.Tags.forEach((tag, i) => {
      v.string(`tags.${i + 1}.member.key`, tag.Key, 1, 128, TAG_KEY_PATTERN);
      v.string(`tags.${i + 1}.member.value`, tag.Value, 0, 256, TAG_VALUE_PATTERN);
    });
    v.count("transitiveTagKeys", input.TransitiveTagKeys, 50);
    for (const [i, key] of input.TransitiveTagKeys.entries()) {
      v.string(`transitiveTagKeys.${i + 1}.member`, key, 1, 128, TAG_KEY_PATTERN);
    }
    v.string("externalId", input.ExternalId, 2, 1224, EXTERNAL_ID_PATTERN);
    v.string("serialNumber", input.SerialNumber, 9, 256, SERIAL_PATTERN);
    if (input.TokenCode !== undefined && !/^\d{6}$/.test(input.TokenCode)) {
      // The code is a credential: report the constraint, not the value.
      v.add(
        "tokenCode",
        "***",
        "Member must have length 6 and satisfy regular expression pattern: [\\d]*",
      );
    }
    v.string("sourceIdentity", input.SourceIdentity, 2, 64, NAME_PATTERN);
    v.count("providedContexts", input.ProvidedContexts, 5);
    input.ProvidedContexts.forEach((ctx, i) => {
      v.string(`providedContexts.${i + 1}.member.providerArn`, ctx.ProviderArn, 20, 2048);
      v.string(`providedContexts.${i + 1}.member.contextAssertion`, ctx.ContextAssertion, 4, 2048);
    });
  }
  v.throwIfAny();

  // Semantic checks STS makes after the model constraints.
  const tagKeys = new Set(input.Tags.map((t) => t.Key.toLowerCase()));
  if (tagKeys.size !== input.Tags.length) {
    throw errors.validation(
      "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    );
  }
  for (const key of input.TransitiveTagKeys) {
    if (!tagKeys.has(key.toLowerCase())) {
      throw errors.validation(
        "The specified transitive tag key must be included in the requested tags.",
      );
    }
  }
  if (input.TokenCode !== undefined && input.SerialNumber === undefined) {
    throw errors.validation("SerialNumber is required when TokenCode is specified.");
  }
  return input;
}
