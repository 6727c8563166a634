import { writeFile } from "node:fs/promises";
import { runCacheConformance } from "@assume-role-lib/cache-conformance";
import { JSONFileCache } from "@assume-role-lib/file-cache";
import { tempDir } from "./helpers.js";

runCacheConformance(
  "JSONFileCache",
  async () => {
    const { dir, cleanup } = await tempDir();
    const cache = new JSONFileCache(dir);
    return {
      cache,
      // Raw bytes straight into the entry file, as another program (or a crash) could leave.
      writeRaw: async (key, value) => {
        const bytes =
          typeof value === "string" || Buffer.isBuffer(value) ? value : JSON.stringify(value);
        await writeFile(cache.pathFor(key), bytes);
      },
      // Another process's view of the same directory (waitForChange's notices).
      another: () => new JSONFileCache(dir),
      cleanup,
    };
  },
  { lock: true },
);
