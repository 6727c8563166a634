import { fileURLToPath } from "node:url";

/**
 * This CLI's bin, for starting more of its own processes (the demo's workers). A top-level
 * module, so that `./cli.js` is the bin both in tsc's dist/ and in the bundle's chunks.
 */
export const CLI_PATH = fileURLToPath(new URL("./cli.js", import.meta.url));
