import type { QueryParams } from "./query-protocol.js";

/** One received request, as recorded for tests. Never holds a secret or session token. */
export interface RequestRecord {
  /** The `Action` parameter (`""` when missing). */
  action: string;
  /** Decoded form parameters minus Action/Version and secret-bearing fields. */
  params: QueryParams;
  /** The access key that signed the request, if it was signed. */
  accessKeyId: string | undefined;
  /** The RoleArn parameter, if any. */
  roleArn: string | undefined;
  /** HTTP status sent; 0 when the connection was dropped. */
  status: number;
  /** The STS error code when the request failed. */
  errorCode?: string;
  requestId: string;
  /** When it was received, by the server clock. */
  at: Date;
}

/** Call counts and recent requests of a running server (`handle.stats`). */
export class Stats {
  readonly #limit: number;
  #received = new Map<string, number>();
  #ok = new Map<string, number>();
  #recent: RequestRecord[] = [];

  /** @param limit - how many recent requests `requests` keeps (default 100). */
  constructor(limit = 100) {
    this.#limit = limit;
  }

  /** Requests received (successful or not), optionally of one action and/or role ARN. */
  calls(action?: string, roleArn?: string): number {
    return sum(this.#received, action, roleArn);
  }

  /** Requests answered with success, optionally of one action and/or role ARN. */
  succeeded(action?: string, roleArn?: string): number {
    return sum(this.#ok, action, roleArn);
  }

  /** Requests that failed (error response or dropped connection). */
  failed(action?: string, roleArn?: string): number {
    return this.calls(action, roleArn) - this.succeeded(action, roleArn);
  }

  /** The most recent requests, oldest first (a copy). */
  get requests(): RequestRecord[] {
    return this.#recent.map((r) => ({ ...r, params: { ...r.params } }));
  }

  /** Forget every count and recorded request. */
  reset(): void {
    this.#received = new Map();
    this.#ok = new Map();
    this.#recent = [];
  }

  /** @internal Record one finished request. */
  record(record: RequestRecord): void {
    const key = `${record.action}\u0000${record.roleArn ?? ""}`;
    this.#received.set(key, (this.#received.get(key) ?? 0) + 1);
    if (record.status === 200) this.#ok.set(key, (this.#ok.get(key) ?? 0) + 1);
    this.#recent.push(record);
    if (this.#recent.length > this.#limit)
      this.#recent.splice(0, this.#recent.length - this.#limit);
  }
}

function sum(counts: Map<string, number>, action?: string, roleArn?: string): number {
  let total = 0;
  for (const [key, n] of counts) {
    const [a, r] = key.split("\u0000");
    if ((action === undefined || a === action) && (roleArn === undefined || r === roleArn))
      total += n;
  }
  return total;
}
