import { fileURLToPath } from "node:url";

/**
 * This CLI's bin, for starting more of its own processes (the demo's workers): dist/cli.cjs,
 * beside this module both in tsc's dist/ and as bundled into the bin itself.
 */
export const CLI_PATH = fileURLToPath(new URL("./cli.cjs", import.meta.url));
