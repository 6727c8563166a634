/**
 * The MFA code of a profile with `mfa_serial`: asked of the caller's `mfaCodeProvider`
 * only when AssumeRole is really called (a cache hit, such as an entry the AWS CLI wrote
 * after its own prompt, asks nothing), and again at each refresh that calls STS.
 */
import type { TokenCodeSource } from "../params.js";
import { MfaCodeRequiredError } from "./errors.js";

/**
 * Returns the current code of an MFA device: a terminal prompt, an authenticator, a fixed
 * code in tests. The same signature as the SDK's `fromIni({ mfaCodeProvider })`, plus the
 * profile whose role needs it.
 */
export type MfaCodeProvider = (serialNumber: string, profile: string) => string | Promise<string>;

/** The TokenCode of one assume-role step. */
export function profileTokenCode(
  profile: string,
  serialNumber: string,
  provider: MfaCodeProvider | undefined,
): TokenCodeSource {
  return async () => {
    if (!provider) throw new MfaCodeRequiredError(profile, serialNumber);
    return String(await provider(serialNumber, profile)).trim();
  };
}
