/**
 * The AWS SDK modules this package calls, loaded on first use. A credentials hit from memory
 * or a shared cache never needs `@aws-sdk/client-sts` (about half of this package's import
 * time), so importing the package and building sessions load nothing from the SDK: the STS
 * client is loaded on the first STS call, the default credential chain on the first parent
 * credentials asked for, the config loader on the first region asked for.
 */
import type * as ClientSts from "@aws-sdk/client-sts";
import type * as CredentialProviderNode from "@aws-sdk/credential-provider-node";
import type * as SmithyConfig from "@smithy/core/config";

let sts: Promise<typeof ClientSts> | undefined;
let chain: Promise<typeof CredentialProviderNode> | undefined;
let config: Promise<typeof SmithyConfig> | undefined;

/** `@aws-sdk/client-sts`, loaded once. */
export const loadSts = (): Promise<typeof ClientSts> => {
  sts ??= import("@aws-sdk/client-sts");
  return sts;
};

/** `@aws-sdk/credential-provider-node` (the SDK's default credential chain), loaded once. */
export const loadDefaultChain = (): Promise<typeof CredentialProviderNode> => {
  chain ??= import("@aws-sdk/credential-provider-node");
  return chain;
};

/** `@smithy/core/config` (the SDK's shared config loader), loaded once. */
export const loadSmithyConfig = (): Promise<typeof SmithyConfig> => {
  config ??= import("@smithy/core/config");
  return config;
};
