import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { type AssumeRoleContext, assumeRole, assumeRoleWithWebIdentity } from "./assume-role.js";
import type { CredentialsStore, Principal } from "./credentials-store.js";
import { errors, StsError } from "./errors.js";
import type { Faults } from "./faults.js";
import { parseQuery, type QueryParams, redactParams } from "./query-protocol.js";
import { parseAmzDate, parseAuthorization, verifySignature } from "./sigv4.js";
import type { RequestRecord, Stats } from "./stats.js";
import { errorXml, successXml, type XmlTree } from "./xml.js";

/** The only API version STS has. */
const VERSION = "2011-06-15";
/** Requests bigger than this are not STS requests; refuse rather than buffer them. */
const MAX_BODY_BYTES = 1024 * 1024;

const ACTIONS = new Set(["AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity"]);

/** Everything one request needs from the running server. */
export interface HandlerContext extends AssumeRoleContext {
  store: CredentialsStore;
  stats: Stats;
  faults: Faults;
  disabledRegions: ReadonlySet<string>;
  expiredTokenError: "ExpiredToken" | "ExpiredTokenException";
  /** Reject requests signed further than this from the server clock (real STS: 15 min). */
  signingSkewLimitMs: number | undefined;
  /** Send the `Date` header (from the server clock), as every AWS endpoint does. */
  dateHeader: boolean;
}

/** Answer one HTTP request the way STS would, applying any injected fault first. */
export async function handleRequest(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
  const at = ctx.clock.now();
  let body: string;
  try {
    body = await readBody(req);
  } catch {
    req.socket.destroy();
    return;
  }
  const url = req.url ?? "/";
  const queryIndex = url.indexOf("?");
  const params: QueryParams = {
    ...(queryIndex >= 0 ? parseQuery(url.slice(queryIndex + 1)) : {}),
    ...(isForm(req) ? parseQuery(body) : {}),
  };
  const action = params.Action ?? "";
  const record: RequestRecord = {
    action,
    params: redactParams(params),
    accessKeyId: /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? "")?.[1],
    roleArn: params.RoleArn,
    status: 0,
    requestId,
    at,
  };

  const fault = ctx.faults.take(action);
  const delay = ctx.faults.delayFor(action);
  if (delay > 0) await sleep(delay);
  if (fault?.kind === "drop") {
    req.socket.destroy();
    ctx.stats.record(record);
    return;
  }

  let status = 200;
  let xml: string;
  try {
    if (fault?.kind === "throttle") throw errors.throttling();
    if (fault?.kind === "serverError") throw errors.internalFailure(fault.status);
    xml = successXml(action, await dispatch(ctx, req, body, params, action), requestId);
  } catch (error) {
    // Anything that is not an STS error is a bug here; answer like STS's own failures
    // and never echo the exception, which could carry request data.
    const stsError = error instanceof StsError ? error : errors.internalFailure(500);
    status = stsError.status;
    record.errorCode = stsError.code;
    xml = errorXml(stsError, requestId);
  }
  record.status = status;
  ctx.stats.record(record);
  res.sendDate = false; // Node would add the real time; the Date header is the server clock's
  res.writeHead(status, {
    "Content-Type": "text/xml",
    "Content-Length": Buffer.byteLength(xml),
    "x-amzn-RequestId": requestId,
    // The server clock's time, as STS sends its own: clients measure their clock skew by it.
    ...(ctx.dateHeader ? { Date: ctx.clock.now().toUTCString() } : {}),
  });
  res.end(xml);
}

async function dispatch(
  ctx: HandlerContext,
  req: IncomingMessage,
  body: string,
  params: QueryParams,
  action: string,
): Promise<XmlTree> {
  if (!isForm(req) && req.method === "POST") {
    // Newer protocols (awsQuery-compatible JSON, RPC v2 CBOR) are not what the installed
    // SDK sends; say so plainly instead of failing obscurely.
    throw new StsError(
      "UnsupportedProtocol",
      400,
      "sts-local speaks the AWS Query protocol (application/x-www-form-urlencoded) only",
    );
  }
  if (action === "") throw errors.missingAction();
  if (!ACTIONS.has(action) || (params.Version !== undefined && params.Version !== VERSION)) {
    throw errors.invalidAction(action);
  }
  // The SDK sends AssumeRoleWithWebIdentity unsigned: the token is the credential.
  if (action === "AssumeRoleWithWebIdentity") return assumeRoleWithWebIdentity(ctx, params);

  const caller = await authenticate(ctx, req, body);
  if (action === "AssumeRole") return assumeRole(ctx, caller, params);
  return { Arn: caller.arn, UserId: caller.userId, Account: caller.accountId };
}

/** Resolve the caller from the SigV4 signature, or throw the STS error for why not. */
async function authenticate(
  ctx: HandlerContext,
  req: IncomingMessage,
  body: string,
): Promise<Principal> {
  const auth = parseAuthorization(req.headers);
  if (!auth) throw errors.missingAuthenticationToken();
  const key = await verifySignature(
    { method: req.method ?? "POST", url: req.url ?? "/", headers: req.headers, body },
    auth,
    ctx.store,
  );
  if (ctx.signingSkewLimitMs !== undefined) checkSigningTime(ctx, req, ctx.signingSkewLimitMs);
  if (key.expiresAtMs !== undefined && ctx.clock.nowMs() >= key.expiresAtMs) {
    throw ctx.expiredTokenError === "ExpiredToken"
      ? errors.expiredToken()
      : errors.expiredTokenException("The security token included in the request is expired");
  }
  if (ctx.disabledRegions.has(auth.region)) throw errors.regionDisabled(key.principal.accountId);
  return key.principal;
}

/** STS's answer to a request signed too far from its clock (the SDK corrects and retries). */
function checkSigningTime(ctx: HandlerContext, req: IncomingMessage, limitMs: number): void {
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  const signed = parseAmzDate(amzDate)?.getTime();
  if (signed === undefined) return; // verifySignature already refused a malformed date
  const now = ctx.clock.nowMs();
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
  const limit = `${Math.round(limitMs / 60_000)} min.`;
  if (signed < now - limitMs) {
    throw errors.signatureDoesNotMatch(
      `Signature expired: ${amzDate} is now earlier than ${stamp(now - limitMs)} (${stamp(now)} - ${limit})`,
    );
  }
  if (signed > now + limitMs) {
    throw errors.signatureDoesNotMatch(
      `Signature not yet current: ${amzDate} is still later than ${stamp(now + limitMs)} (${stamp(now)} + ${limit})`,
    );
  }
}

function isForm(req: IncomingMessage): boolean {
  const type = req.headers["content-type"];
  return type === undefined || type.startsWith("application/x-www-form-urlencoded");
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new Error("body too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
