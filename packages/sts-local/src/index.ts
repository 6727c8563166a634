/**
 * `@assume-role-lib/sts-local`: an STS-compatible HTTP server that the real
 * `@aws-sdk/client-sts` talks to, so tests, benchmarks and demos need no AWS account.
 *
 * @packageDocumentation
 */
export type { TokenCodeValidator } from "./assume-role.js";
export { Clock } from "./clock.js";
export type { RootCredentials } from "./credentials-store.js";
export { randomKeyId, randomSecret, randomSessionToken } from "./credentials-store.js";
export { StsError } from "./errors.js";
export { type FaultScope, Faults } from "./faults.js";
export {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_EXTERNAL_ID,
  DEFAULT_ROLES,
  defaultRoles,
  type RoleConfig,
} from "./roles.js";
export { type StsLocal, type StsLocalOptions, startStsLocal } from "./server.js";
export { type RequestRecord, Stats } from "./stats.js";
