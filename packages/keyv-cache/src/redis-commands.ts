/**
 * The Redis commands the client that `KeyvCache.redis()` builds carries, in place of
 * node-redis's table of all ~740 (its `lib/commands/index.js`). The bundle swaps this
 * module in (scripts/bundle.mjs); only its test imports it otherwise.
 *
 * Why: node-redis v5 defines a method for every command on the client's class (and again
 * on its MULTI class) when the first client is created, and loads ~500 command modules to do
 * it. That costs ~130 ms of CPU before the first command (node-redis issue #2954), more than
 * everything else a worker does to get its first credentials from Redis. The cache needs
 * only these: @keyv/redis's get/set/delete/has/clear/getMany (GET, SET, DEL, UNLINK, EXISTS,
 * SCAN, MGET, FLUSHDB), the lock (SET NX, EVAL), and what node-redis's own modules use
 * (AUTH, CLIENT SETNAME and READONLY in its handshake, CLUSTER SLOTS in its cluster client;
 * its keep-alive PING goes through `sendCommand`). A client from this table sends any other
 * command only through `sendCommand`.
 */
import AUTH from "@redis/client/dist/lib/commands/AUTH.js";
import CLIENT_SETNAME from "@redis/client/dist/lib/commands/CLIENT_SETNAME.js";
import CLUSTER_SLOTS from "@redis/client/dist/lib/commands/CLUSTER_SLOTS.js";
import DEL from "@redis/client/dist/lib/commands/DEL.js";
import EVAL from "@redis/client/dist/lib/commands/EVAL.js";
import EXISTS from "@redis/client/dist/lib/commands/EXISTS.js";
import FLUSHDB from "@redis/client/dist/lib/commands/FLUSHDB.js";
import GET from "@redis/client/dist/lib/commands/GET.js";
import MGET from "@redis/client/dist/lib/commands/MGET.js";
import READONLY from "@redis/client/dist/lib/commands/READONLY.js";
import SCAN from "@redis/client/dist/lib/commands/SCAN.js";
import SET from "@redis/client/dist/lib/commands/SET.js";
import UNLINK from "@redis/client/dist/lib/commands/UNLINK.js";

/** Each command under both of node-redis's names (GET and get), as its table has them. */
const commands = {
  AUTH,
  auth: AUTH,
  CLIENT_SETNAME,
  clientSetName: CLIENT_SETNAME,
  CLUSTER_SLOTS,
  clusterSlots: CLUSTER_SLOTS,
  DEL,
  del: DEL,
  EVAL,
  eval: EVAL,
  EXISTS,
  exists: EXISTS,
  FLUSHDB,
  flushDb: FLUSHDB,
  GET,
  get: GET,
  MGET,
  mGet: MGET,
  READONLY,
  readonly: READONLY,
  SCAN,
  scan: SCAN,
  SET,
  set: SET,
  UNLINK,
  unlink: UNLINK,
};
export default commands;

/** node-redis's pool and cluster route these to any connection (none here is sticky). */
export const NON_STICKY_COMMANDS = commands;

// The constants node-redis's own modules read from its command table.
export { CLIENT_KILL_FILTERS } from "@redis/client/dist/lib/commands/CLIENT_KILL.js";
export { FAILOVER_MODES } from "@redis/client/dist/lib/commands/CLUSTER_FAILOVER.js";
export { CLUSTER_SLOT_STATES } from "@redis/client/dist/lib/commands/CLUSTER_SETSLOT.js";
export { COMMAND_LIST_FILTER_BY } from "@redis/client/dist/lib/commands/COMMAND_LIST.js";
export { REDIS_FLUSH_MODES } from "@redis/client/dist/lib/commands/FLUSHALL.js";
