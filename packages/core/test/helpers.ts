import { type AssumeRoleEvent, Session } from "@assume-role-lib/core";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, afterEach, beforeAll } from "vitest";

/** An sts-local whose frozen clock the sessions share. */
export type FrozenSts = StsLocal & { now: () => number };

export const ACCOUNT = "123456789012";
export const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

/** An sts-local with a frozen clock that the sessions share, so tests move time by hand. */
export async function startFrozenSts(): Promise<FrozenSts> {
  const sts = await startStsLocal();
  sts.clock.freeze();
  return Object.assign(sts, { now: () => sts.clock.nowMs() });
}

/** A root session on sts-local's root keys, with the shared clock and an event log. */
export function rootSession(
  sts: StsLocal & { now?: () => number },
  events?: EventLog,
  extra: { maxAttempts?: number; region?: string } = {},
): Session {
  return Session.fromCredentials(sts.rootCredentials, {
    region: extra.region ?? sts.region,
    stsClientConfig: { endpoint: sts.endpoint, maxAttempts: extra.maxAttempts ?? 1 },
    ...(sts.now ? { clock: sts.now } : {}),
    ...(events ? { onEvent: events.listener } : {}),
  });
}

/** Records events and lets a test wait for one, instead of sleeping. */
export class EventLog {
  readonly events: AssumeRoleEvent[] = [];
  #waiters: Array<{ type: string; resolve: (e: AssumeRoleEvent) => void; after: number }> = [];

  readonly listener = (event: AssumeRoleEvent) => {
    this.events.push(event);
    for (const w of [...this.#waiters]) {
      if (w.type === event.type && this.events.length > w.after) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  };

  count(type: AssumeRoleEvent["type"]): number {
    return this.events.filter((e) => e.type === type).length;
  }

  of<T extends AssumeRoleEvent["type"]>(type: T): Array<Extract<AssumeRoleEvent, { type: T }>> {
    return this.events.filter((e) => e.type === type) as Array<
      Extract<AssumeRoleEvent, { type: T }>
    >;
  }

  /** Resolves on the next event of this type (one that has not happened yet). */
  next<T extends AssumeRoleEvent["type"]>(type: T): Promise<Extract<AssumeRoleEvent, { type: T }>> {
    return new Promise((resolve) =>
      this.#waiters.push({
        type,
        resolve: resolve as (e: AssumeRoleEvent) => void,
        after: this.events.length,
      }),
    );
  }
}

/**
 * One frozen sts-local for a test file: started before its tests, closed after them, with
 * stats and faults reset after each test. Returns a getter (the server starts in beforeAll).
 */
export function useFrozenSts(): () => FrozenSts {
  let sts: FrozenSts | undefined;
  beforeAll(async () => {
    sts = await startFrozenSts();
  });
  afterAll(() => sts?.close());
  afterEach(() => {
    sts?.stats.reset();
    sts?.faults.clear();
  });
  return () => {
    if (!sts) throw new Error("useFrozenSts: the server is not started yet");
    return sts;
  };
}
