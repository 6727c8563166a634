// node-redis's Sentinel client, left out of the bundle (see scripts/bundle.mjs).
exports.default = {
  create() {
    throw new Error(
      "Redis Sentinel is not part of @assume-role-lib/keyv-cache's bundled Redis client: pass your own client (new KeyvCache(new Keyv(new KeyvRedis(client))))",
    );
  },
};
