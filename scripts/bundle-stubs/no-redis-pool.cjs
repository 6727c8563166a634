// node-redis's client pool, left out of the bundle (see scripts/bundle-substitutions.mjs).
exports.RedisClientPool = {
  create() {
    throw new Error(
      "Redis client pools are not part of @assume-role-lib/keyv-cache's bundled Redis client: pass your own client (new KeyvCache(new Keyv(new KeyvRedis(client))))",
    );
  },
};
