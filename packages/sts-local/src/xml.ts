import type { StsError } from "./errors.js";

/** The XML namespace of every STS response document. */
export const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

/** A response tree: element name → text, nested tree, or omitted when undefined. */
export interface XmlTree {
  [element: string]: string | number | XmlTree | undefined;
}

/** Escape text for XML character data. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function render(tree: XmlTree): string {
  let out = "";
  for (const [name, value] of Object.entries(tree)) {
    if (value === undefined) continue;
    const inner = typeof value === "object" ? render(value) : escapeXml(String(value));
    out += `<${name}>${inner}</${name}>`;
  }
  return out;
}

/**
 * The success document of an action, shaped as the awsQuery protocol expects:
 * `<{Action}Response><{Action}Result>…</{Action}Result><ResponseMetadata>…`.
 */
export function successXml(action: string, result: XmlTree, requestId: string): string {
  return (
    `<${action}Response xmlns="${STS_NAMESPACE}">` +
    `<${action}Result>${render(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>` +
    `</${action}Response>\n`
  );
}

/** The `<ErrorResponse>` document STS sends for every error. */
export function errorXml(error: StsError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${STS_NAMESPACE}">` +
    `<Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId>` +
    `</ErrorResponse>\n`
  );
}
