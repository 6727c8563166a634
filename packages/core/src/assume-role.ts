import { type AssumeRoleOptions, type Parent, Session, toSession } from "./session.js";

/**
 * Assume a role and get a Session whose credentials refresh themselves.
 *
 * `assumeRole(parent, roleArn, options)` assumes from a Session, any SDK v3 credential
 * provider or static credentials; `assumeRole(roleArn, options)` assumes from the default
 * session (the SDK's default credential chain), as the Python library's `patch_boto3` did.
 *
 * @example
 * const child = assumeRole(Session.default(), "arn:aws:iam::123456789012:role/MyRole");
 * const s3 = new S3Client({ region: child.region, credentials: child.credentials });
 */
export function assumeRole(roleArn: string, options?: AssumeRoleOptions): Session;
export function assumeRole(parent: Parent, roleArn: string, options?: AssumeRoleOptions): Session;
export function assumeRole(
  parentOrRoleArn: Parent | string,
  roleArnOrOptions?: string | AssumeRoleOptions,
  maybeOptions?: AssumeRoleOptions,
): Session {
  if (typeof parentOrRoleArn === "string") {
    return Session.default().assumeRole(
      parentOrRoleArn,
      (roleArnOrOptions as AssumeRoleOptions | undefined) ?? {},
    );
  }
  if (typeof roleArnOrOptions !== "string") {
    throw new TypeError("assumeRole(parent, roleArn, options): roleArn must be a string");
  }
  return toSession(parentOrRoleArn, roleArnOrOptions).assumeRole(
    roleArnOrOptions,
    maybeOptions ?? {},
  );
}
