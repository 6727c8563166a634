import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { type CredentialsStore, type StoredKey, safeEqual } from "./credentials-store.js";
import { errors } from "./errors.js";

/** The request as received, everything SigV4 covers. */
export interface ReceivedRequest {
  method: string;
  /** Path plus query string, as in `IncomingMessage.url`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The parts of an `Authorization: AWS4-HMAC-SHA256 …` header. */
export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/**
 * Parse the Authorization header; `undefined` when there is none. A header that is present
 * but not well-formed is an `IncompleteSignature` error, as with STS.
 */
export function parseAuthorization(headers: IncomingHttpHeaders): ParsedAuthorization | undefined {
  const header = headers.authorization;
  if (header === undefined) return undefined;
  const match = AUTH_PATTERN.exec(header.trim());
  if (!match) {
    throw errors.incompleteSignature(
      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
    );
  }
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: signedHeaders.split(";"),
    signature,
  };
}

/** `20261129T013702Z` → Date; undefined when malformed. */
export function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/**
 * Verify a signed request: the key must exist, an issued key must carry its own session
 * token, and the signature recomputed with the stored secret over the same signed headers,
 * body and `X-Amz-Date` must match (compared in constant time).
 *
 * The request time is deliberately not compared with the server clock: tests move that
 * clock by hours, and skew is not what they exercise. Expiry of issued keys is checked
 * by the caller, after the signature proves the caller holds the secret.
 */
export async function verifySignature(
  request: ReceivedRequest,
  auth: ParsedAuthorization,
  store: CredentialsStore,
): Promise<StoredKey> {
  const key = store.get(auth.accessKeyId);
  if (!key) throw errors.invalidClientTokenId();
  if (key.sessionToken !== undefined) {
    const token = request.headers["x-amz-security-token"];
    if (typeof token !== "string" || !safeEqual(token, key.sessionToken)) {
      throw errors.invalidClientTokenId();
    }
  }
  const amzDate = request.headers["x-amz-date"];
  const signingDate = parseAmzDate(typeof amzDate === "string" ? amzDate : undefined);
  if (!signingDate || !auth.signedHeaders.includes("host")) {
    throw errors.incompleteSignature(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  // The credential scope must be for today's date (of the request) and for STS.
  if (auth.service !== "sts" || (amzDate as string).slice(0, 8) !== auth.date) {
    throw errors.signatureDoesNotMatch();
  }
  // A declared payload hash must be the body's, or the body could be swapped.
  const declaredHash = request.headers["x-amz-content-sha256"];
  if (
    typeof declaredHash === "string" &&
    declaredHash !== createHash("sha256").update(request.body).digest("hex")
  ) {
    throw errors.signatureDoesNotMatch();
  }

  const expected = await computeSignature(request, auth, key.secretAccessKey, signingDate);
  if (!safeEqual(expected, auth.signature)) throw errors.signatureDoesNotMatch();
  return key;
}

async function computeSignature(
  request: ReceivedRequest,
  auth: ParsedAuthorization,
  secretAccessKey: string,
  signingDate: Date,
): Promise<string> {
  const url = new URL(request.url, "http://localhost");
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const previous = query[name];
    query[name] =
      previous === undefined
        ? value
        : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  // Only the headers the client signed take part; the signer re-adds X-Amz-Date itself.
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) throw errors.signatureDoesNotMatch();
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const httpRequest = new HttpRequest({
    method: request.method,
    protocol: "http:",
    hostname: "localhost",
    path: url.pathname,
    query,
    headers,
    body: request.body,
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    region: auth.region,
    service: auth.service,
    sha256: Sha256,
    uriEscapePath: true,
    // Otherwise the signer would add an x-amz-content-sha256 header the client never signed.
    applyChecksum: false,
  });
  const signed = await signer.sign(httpRequest, {
    signingDate,
    signableHeaders: new Set(auth.signedHeaders),
  });
  const authorization = signed.headers.authorization ?? "";
  return /Signature=([0-9a-f]+)/.exec(authorization)?.[1] ?? "";
}
