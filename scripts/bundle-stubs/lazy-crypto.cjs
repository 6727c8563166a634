// node:crypto, required on first use (see scripts/bundle.mjs, LAZY_BUILTINS). __esModule is read
// by TypeScript's require helpers as the module is assigned: answered without loading it.
module.exports = new Proxy(
  {},
  { get: (_, name) => (name === "__esModule" ? undefined : require("node:crypto")[name]) },
);
