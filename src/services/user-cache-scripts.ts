/**
 * The Redis side of the user cache's protocol (user-cache.ts), as Lua scripts: each one is atomic,
 * touches only the keys passed in KEYS (Upstash refuses dynamic keys in scripts that may lock keys),
 * and takes its clock from Redis (`TIME`), so every deadline is compared on one clock.
 *
 * Per user: `version` — the highest database version Redis knows was committed (only ever raised);
 * `fences` — a sorted set of unfinished writes, scored by the time by which each one's database batch
 * has certainly finished; entries — `<version>|<epoch>|<json>`. Globally: `epoch` — `<n>:<nonce>`,
 * the database epoch pushed so far, and a nonce that changes whenever Redis lost it (a restart).
 */

const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/**
 * A read. KEYS: revocation mark, version, fences, entry, epoch. ARGV: an epoch to create if Redis has
 * none. Returns {revoked, epoch, version, now, fences, json}: the entry only when it is servable —
 * no write unfinished or unaccounted for, computed at the current version and epoch.
 */
export const READ = `${NOW}
local revoked = redis.call('EXISTS', KEYS[1])
local epoch = redis.call('GET', KEYS[5])
if not epoch then
  redis.call('SET', KEYS[5], ARGV[1])
  epoch = ARGV[1]
end
local version = redis.call('GET', KEYS[2])
local fences = redis.call('ZCARD', KEYS[3])
local json = false
if revoked == 0 and fences == 0 and version then
  local entry = redis.call('GET', KEYS[4])
  if entry then
    local v, e, rest = string.match(entry, '^(%d+)|([^|]*)|(.*)$')
    if v == version and e == epoch then json = rest end
  end
end
return {revoked, epoch, version or '', now, fences, json}`;

/**
 * A fill after a miss. KEYS: version, fences, entry, epoch. ARGV: the database version the value was
 * read at, the epoch and time READ answered before that database read, the JSON, entry TTL (s),
 * version TTL (s), the longest a fill may take (ms), the version READ answered ('' for none).
 * Fences whose deadline had passed when READ ran belong to writes the database read saw finished, so
 * they are cleared here. Any other fence, a version or epoch that moved or vanished since READ (a
 * write settled, an outage, a restart, an eviction), an older value or a late fill: nothing is stored.
 */
export const STORE = `${NOW}
local seen = tonumber(ARGV[3])
if now - seen > tonumber(ARGV[7]) then return 0 end
if redis.call('GET', KEYS[4]) ~= ARGV[2] then return 0 end
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[8] then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', seen)
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) < current then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[6])
redis.call('SET', KEYS[3], ARGV[1] .. '|' .. ARGV[2] .. '|' .. ARGV[4], 'EX', ARGV[5])
return 1`;

/**
 * Before a write commits. KEYS: fences. ARGV: the write's token, how long its database batch may
 * still run (ms), how long the set must outlive its newest fence (ms).
 */
export const FENCE = `${NOW}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/**
 * After a write finished. KEYS: version, fences. ARGV: the version it committed ('' when it did not),
 * its token ('' when it set none), version TTL (s). Raises the version, never lowers it.
 */
export const SETTLE = `
if ARGV[1] ~= '' and tonumber(ARGV[1]) > tonumber(redis.call('GET', KEYS[1]) or '-1') then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
end
if ARGV[2] ~= '' then redis.call('ZREM', KEYS[2], ARGV[2]) end
return 1`;

/**
 * KEYS: epoch. ARGV: the database epoch, a fresh nonce. Sets Redis's epoch to the database's unless
 * it already is; the fresh nonce means no entry tagged before, whatever its number, matches again.
 */
export const PUSH_EPOCH = `
local current = redis.call('GET', KEYS[1])
if current and tonumber(string.match(current, '^(%d+)')) == tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2])
return 1`;
