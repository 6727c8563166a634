/**
 * zod's English messages, set once for every schema of this package. The schemas use
 * `zod/mini` (imported as `import * as z from "zod/mini"` where used, never re-exported as
 * a value, so that a bundler keeps only the functions used): classic zod costs about 40 ms
 * at import, mostly building methods and 65 locales nothing here uses.
 */
import { en } from "zod/locales";
import { config } from "zod/mini";

config({ ...en(), jitless: true });
