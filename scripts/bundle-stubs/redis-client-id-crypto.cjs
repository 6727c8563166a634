// node:crypto as node-redis's client/identity.js sees it (see scripts/bundle.mjs,
// LAZY_BUILTINS). It draws 4 random bytes for every client it creates, to tell the clients
// of one process apart in its telemetry registry: an id, not a secret, which needs no
// cryptographic randomness. Math.random gives them without loading node:crypto (~2 ms).
exports.randomBytes = (size) => {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.floor(Math.random() * 256);
  return bytes;
};
