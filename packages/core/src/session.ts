import type { STSClientConfig } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import {
  type AssumedRoleCredentials,
  type AssumeRoleBehaviour,
  createAssumedRoleCredentials,
} from "./assumed-role-credentials.js";
import { defaultChain } from "./default-chain.js";
import { AssumeRoleValidationError } from "./errors.js";
import { createEmitter, type EventListener } from "./events.js";
import { type MemoizedProvider, memoizeProvider, staticProvider } from "./identity.js";
import type { AssumeRoleParams, NormalizedRequest } from "./params.js";
import { principalOfRole } from "./parent-binding.js";
import type { ProfileOptions } from "./profile/options.js";
import { frozenRegion, implicitRegion, profileRegion, type RegionSource } from "./region.js";
import { retryOnRejectedCredentials } from "./rejected-credentials.js";

export type { RegionSource };

/** Options of `assumeRole()`: the AssumeRole parameters, the region, and behaviour. */
export interface AssumeRoleOptions extends AssumeRoleParams, AssumeRoleBehaviour {
  /**
   * The child session's region. `undefined`: linked to the parent's (follows its changes);
   * `true`: the parent's region frozen now; `false`: the child's own implicit region
   * (AWS_REGION, config file); a string: that region. AssumeRole itself is always called in
   * the parent's region.
   */
  region?: string | boolean;
}

/** Options for sessions built from a parent that is not itself an assumed role. */
export interface SessionOptions {
  /** The session's region. Default: the implicit region (AWS_REGION, then the config file). */
  region?: string;
  /** STS client config inherited by every role assumed from this session (e.g. `endpoint`). */
  stsClientConfig?: STSClientConfig;
  /** Event listener inherited by every role assumed from this session. */
  onEvent?: EventListener;
  /** Clock inherited by every role assumed from this session. */
  clock?: () => number;
}

/** Anything that can be a parent: a Session, any SDK v3 credential provider, or static keys. */
export type Parent = Session | AwsCredentialIdentityProvider | AwsCredentialIdentity;

/** An SDK v3 client class. */
export type ClientConstructor<C, Config> = new (config: Config) => C;

/** A region as SDK clients accept it: a string, or a provider of one. */
export type RegionInput = string | (() => Promise<string>);

let defaultSession: Session | undefined;

/**
 * A set of credentials with a region, from which SDK clients are made and roles assumed.
 * An assumed-role session refreshes its credentials by itself; use it for as long as you like.
 */
export class Session {
  /** The credential provider to give any SDK v3 client as `credentials`. */
  readonly credentials: MemoizedProvider;
  /** The session this one's role was assumed from (undefined for a root session). */
  readonly parent: Session | undefined;
  /** The role this session has assumed (undefined for a root session). */
  readonly roleArn: string | undefined;
  readonly #regionSource: RegionSource;
  readonly #explicitRegion: string | undefined;
  readonly #inherited: SessionOptions;
  readonly #assumed: AssumedRoleCredentials | undefined;

  /** @internal Use Session.default(), Session.fromCredentials() or assumeRole(). */
  constructor(init: {
    credentials: MemoizedProvider;
    regionSource: RegionSource;
    explicitRegion?: string | undefined;
    parent?: Session | undefined;
    inherited: SessionOptions;
    assumed?: AssumedRoleCredentials;
  }) {
    this.credentials = init.credentials;
    this.#regionSource = init.regionSource;
    this.#explicitRegion = init.explicitRegion;
    this.parent = init.parent;
    this.#inherited = init.inherited;
    this.#assumed = init.assumed;
    this.roleArn = init.assumed?.request.RoleArn;
  }

  /**
   * The SDK's default credential provider chain (env, SSO, ini, process, container, IMDS)
   * with the implicit region. `profile` picks a shared-config profile. One default session
   * per process unless a profile or options are given.
   */
  static default(options: SessionOptions & { profile?: string } = {}): Session {
    const custom = Object.keys(options).length > 0;
    if (!custom && defaultSession) return defaultSession;
    // Nothing is built or loaded until credentials or the region are first asked for: the
    // SDK's default chain, as an STS client would resolve it (see default-chain.ts), so a
    // cache hit never loads the STS client.
    const { profile } = options;
    const credentials = defaultChain(profile);
    const session = Session.fromCredentials(
      credentials,
      profile && !options.region
        ? { ...options, region: undefined, regionSource: () => profileRegion(profile) }
        : options,
    );
    if (!custom) defaultSession = session;
    return session;
  }

  /** Replace the session that the module-level `assumeRole(roleArn)` uses. */
  static setDefault(session: Session | undefined): void {
    defaultSession = session;
  }

  /** A root session from static credentials or any SDK v3 credential provider. */
  static fromCredentials(
    credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity,
    options: SessionOptions & { regionSource?: RegionSource } = {},
  ): Session {
    const clock = options.clock ?? Date.now;
    const provider =
      typeof credentials === "function"
        ? memoizeProvider(credentials, clock)
        : staticProvider(credentials);
    const { regionSource, ...inherited } = options;
    return new Session({
      credentials: provider,
      regionSource: regionSource ?? (options.region ? async () => options.region : implicitRegion),
      explicitRegion: options.region,
      inherited,
    });
  }

  /**
   * The session of a shared-config profile (`name`, else AWS_PROFILE, else `default`), read
   * from AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE (or `~/.aws/…`) by the SDK's loader.
   * An assume-role profile (`role_arn` with `source_profile` or `credential_source`) becomes
   * a chain of assumed-role sessions, each through `options.cache` under the key the AWS CLI
   * uses for that profile, so `aws` and this library reuse each other's entries in
   * `~/.aws/cli/cache` (with `JSONFileCache`). Other profiles (SSO, credential_process,
   * keys) get the SDK's own providers. Throws ProfileConfigError (ProfileCycleError for a
   * `source_profile` loop) before any network call.
   *
   * @example
   * const dev = await Session.fromProfile("dev", { cache: new JSONFileCache(AWS_CLI_CACHE_DIR) });
   * const s3 = dev.client(S3Client);
   */
  static async fromProfile(name?: string, options: ProfileOptions = {}): Promise<Session> {
    const { buildProfileSession } = await import("./profile/from-profile.js");
    return buildProfileSession(name, options, (credentials, root) =>
      Session.fromCredentials(credentials, root),
    );
  }

  /**
   * The region to give SDK clients: the string when it is fixed, otherwise a provider that
   * resolves it on each use (so a linked child follows its parent).
   */
  get region(): RegionInput {
    if (this.#explicitRegion) return this.#explicitRegion;
    return async () => {
      const region = await this.#regionSource();
      if (!region) throw new Error("Region is missing: set AWS_REGION or pass region");
      return region;
    };
  }

  /** Resolve the region now; undefined when none is configured. */
  resolveRegion(): Promise<string | undefined> {
    return this.#regionSource();
  }

  /** The AssumeRole request this session sends (with its session name); no secrets. */
  get assumeRoleRequest(): Readonly<NormalizedRequest> | undefined {
    return this.#assumed?.request;
  }

  /** The cache key of this session's credentials (botocore's algorithm). */
  get cacheKey(): string | undefined {
    return this.#assumed?.cacheKey;
  }

  /**
   * Make an SDK v3 client that uses this session's credentials and region. For an assumed
   * role, a request the service rejects with ExpiredToken, InvalidClientTokenId or the like
   * invalidates the credentials it was signed with (see {@link Session.invalidate}) and is
   * sent once more with fresh ones.
   */
  client<C, Config extends object>(
    ClientClass: ClientConstructor<C, Config>,
    config?: Partial<Config>,
  ): C {
    const client = new ClientClass({
      region: this.region,
      credentials: this.credentials,
      ...config,
    } as unknown as Config);
    const assumed = this.#assumed;
    // Only when the client signs with our credentials (the config may bring its own).
    if (assumed && (config as { credentials?: unknown } | undefined)?.credentials === undefined) {
      retryOnRejectedCredentials(client, (accessKeyId) => assumed.invalidate(accessKeyId));
    }
    return client;
  }

  /**
   * A service rejected this session's credentials (a revoked session, a clock that was
   * wrong): drop them if they are the ones held (`rejectedAccessKeyId`; without it,
   * whatever is held), and remove the shared cache entry if it still holds that key, so
   * the next call gets new credentials and the fleet makes one STS call, not one per
   * process. Does nothing for a root session.
   */
  async invalidate(rejectedAccessKeyId?: string): Promise<void> {
    await this.#assumed?.invalidate(rejectedAccessKeyId);
  }

  /**
   * Assume a role from this session: a child session whose credentials refresh themselves.
   * Throws AssumeRoleValidationError before any network call when parameters are invalid.
   */
  assumeRole(roleArn: string, options: AssumeRoleOptions = {}): Session {
    const { region, ...rest } = options;
    const inherited: SessionOptions = {
      ...this.#inherited,
      ...(options.stsClientConfig ? { stsClientConfig: options.stsClientConfig } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    };
    if (region !== undefined && typeof region !== "boolean") {
      if (typeof region !== "string" || !/^[a-z0-9-]+$/.test(region)) {
        throw new AssumeRoleValidationError(roleArn, [
          { field: "region", message: "must be a region name, true, false or undefined" },
        ]);
      }
    }
    const assumed = createAssumedRoleCredentials(
      {
        credentials: this.credentials,
        region: () => this.#regionSource(),
        // An assumed-role parent's principal is its role: no GetCallerIdentity needed.
        principal: this.#assumed ? principalOfRole(this.#assumed.request.RoleArn) : undefined,
        chained: this.#assumed !== undefined,
      },
      roleArn,
      {
        ...rest,
        ...(inherited.stsClientConfig ? { stsClientConfig: inherited.stsClientConfig } : {}),
        ...(inherited.clock ? { clock: inherited.clock } : {}),
      },
      createEmitter(inherited.onEvent),
    );
    let regionSource: RegionSource;
    let explicitRegion: string | undefined;
    if (typeof region === "string") {
      explicitRegion = region;
      regionSource = async () => region;
    } else if (region === true) {
      explicitRegion = this.#explicitRegion;
      regionSource = explicitRegion ? async () => explicitRegion : frozenRegion(this.#regionSource);
    } else if (region === false) {
      regionSource = implicitRegion;
    } else {
      explicitRegion = undefined; // linked: always ask the parent, it may change
      regionSource = () => this.#regionSource();
    }
    return new Session({
      credentials: assumed.provider,
      regionSource,
      explicitRegion,
      parent: this,
      inherited,
      assumed,
    });
  }

  /** No secrets: a session prints its role and region source only. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    const role = this.roleArn ? `roleArn: '${this.roleArn}', ` : "";
    const region = this.#explicitRegion ? `'${this.#explicitRegion}'` : "[resolved on use]";
    return `Session { ${role}region: ${region}${this.parent ? ", parent: [Session]" : ""} }`;
  }

  /** No secrets in JSON either. */
  toJSON(): Record<string, unknown> {
    return { roleArn: this.roleArn, region: this.#explicitRegion, cacheKey: this.cacheKey };
  }
}

/** Turn any accepted parent into a Session. */
export function toSession(parent: Parent, roleArn?: string): Session {
  if (parent instanceof Session) return parent;
  if (typeof parent !== "function") {
    // Static credentials can be checked now; a provider is resolved on first use (and
    // its failure is a NoParentCredentialsError, still before any STS call).
    const keys = parent as Partial<AwsCredentialIdentity> | null;
    const missing = ["accessKeyId", "secretAccessKey"].filter(
      (k) =>
        typeof keys?.[k as keyof AwsCredentialIdentity] !== "string" || !keys[k as "accessKeyId"],
    );
    if (missing.length > 0) {
      throw new AssumeRoleValidationError(roleArn, [
        {
          field: "parent",
          message: `must be a Session, a credential provider, or credentials with ${missing.join(" and ")}`,
        },
      ]);
    }
  }
  return Session.fromCredentials(parent);
}
