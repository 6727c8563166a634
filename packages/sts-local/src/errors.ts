/**
 * STS errors as the AWS Query protocol reports them. The SDK picks the exception class
 * from `Code` (and, for modeled errors, expects the modeled HTTP status), so code and
 * status must match what real STS sends.
 */
export class StsError extends Error {
  /** The `<Code>` of the XML error document, e.g. `AccessDenied`. */
  readonly code: string;
  /** The HTTP status the error is sent with. */
  readonly status: number;
  /** `Sender` for client errors, `Receiver` for server-side failures. */
  readonly type: "Sender" | "Receiver";

  constructor(code: string, status: number, message: string, type?: "Sender" | "Receiver") {
    super(message);
    this.name = "StsError";
    this.code = code;
    this.status = status;
    this.type = type ?? (status >= 500 ? "Receiver" : "Sender");
  }
}

/** Factories for every error sts-local sends, with STS's own messages. */
export const errors = {
  accessDenied: (principal: string, action: string, resource: string) =>
    new StsError(
      "AccessDenied",
      403,
      `User: ${principal} is not authorized to perform: ${action} on resource: ${resource}`,
    ),
  webIdentityDenied: () =>
    new StsError("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
  mfaFailed: () =>
    new StsError(
      "AccessDenied",
      403,
      "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
    ),
  validation: (message: string) => new StsError("ValidationError", 400, message),
  throttling: () => new StsError("Throttling", 400, "Rate exceeded"),
  expiredToken: () =>
    new StsError("ExpiredToken", 403, "The security token included in the request is expired"),
  expiredTokenException: (message: string) => new StsError("ExpiredTokenException", 400, message),
  invalidClientTokenId: () =>
    new StsError(
      "InvalidClientTokenId",
      403,
      "The security token included in the request is invalid.",
    ),
  signatureDoesNotMatch: (message?: string) =>
    new StsError(
      "SignatureDoesNotMatch",
      403,
      message ??
        "The request signature we calculated does not match the signature you provided. " +
          "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    ),
  incompleteSignature: (detail: string) => new StsError("IncompleteSignature", 400, detail),
  missingAuthenticationToken: () =>
    new StsError("MissingAuthenticationToken", 403, "Request is missing Authentication Token"),
  regionDisabled: (accountId: string) =>
    new StsError(
      "RegionDisabledException",
      403,
      `STS is not activated in this region for account:${accountId}. ` +
        "Your account administrator can activate STS in this region using the IAM Console.",
    ),
  malformedPolicy: (detail: string) => new StsError("MalformedPolicyDocument", 400, detail),
  packedPolicyTooLarge: (percent: number) =>
    new StsError(
      "PackedPolicyTooLarge",
      400,
      `Packed policy consumes ${percent}% of allotted space, please use smaller policy.`,
    ),
  invalidAction: (action: string) =>
    new StsError("InvalidAction", 400, `Could not find operation ${action} for version 2011-06-15`),
  missingAction: () => new StsError("MissingAction", 400, "Missing Action"),
  internalFailure: (status: number) =>
    status === 503
      ? new StsError("ServiceUnavailable", 503, "Service is unable to handle request.")
      : new StsError(
          "InternalFailure",
          status,
          "The request processing has failed because of an unknown error, exception or failure.",
        ),
} as const;
