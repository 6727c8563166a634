/**
 * The credentials at the root of a profile chain, from the SDK's own providers: `fromIni`
 * for a profile without a role (SSO, credential_process, web identity, keys), and for
 * `credential_source` the same providers the SDK's `fromIni` uses. Each package is loaded
 * only when a profile needs it.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import type { ChainSource } from "./chain.js";
import type { ProfileFilePaths } from "./errors.js";

/** A provider (or static keys) for the root of the chain. */
export async function sourceCredentials(
  source: ChainSource,
  files: ProfileFilePaths,
): Promise<AwsCredentialIdentityProvider | AwsCredentialIdentity> {
  switch (source.kind) {
    case "static":
      return {
        accessKeyId: source.accessKeyId,
        secretAccessKey: source.secretAccessKey,
        ...(source.sessionToken ? { sessionToken: source.sessionToken } : {}),
      };
    case "sdk-profile": {
      const { fromIni } = await import("@aws-sdk/credential-provider-ini");
      return fromIni({
        profile: source.profile,
        configFilepath: files.configFile,
        filepath: files.credentialsFile,
        ignoreCache: true,
      });
    }
    case "credential-source":
      switch (source.source) {
        case "Environment": {
          const { fromEnv } = await import("@aws-sdk/credential-provider-env");
          return fromEnv();
        }
        case "Ec2InstanceMetadata": {
          const { fromInstanceMetadata } = await import("@smithy/credential-provider-imds");
          return fromInstanceMetadata();
        }
        case "EcsContainer": {
          // The SDK's order: the HTTP provider (full URI, auth token), then the ECS one.
          const [{ fromHttp }, { fromContainerMetadata }, { chain }] = await Promise.all([
            import("@aws-sdk/credential-provider-http"),
            import("@smithy/credential-provider-imds"),
            import("@smithy/core/config"),
          ]);
          return chain(fromHttp(), fromContainerMetadata());
        }
      }
  }
}
