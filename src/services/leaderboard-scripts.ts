/**
 * The Lua scripts of the boards in Upstash (leaderboard-store.ts names the keys). They are read
 * together because they are one protocol: the writes' UPSERT, REMOVE and RENAME also reach a board
 * being rebuilt, and the rebuild's LOAD_PAGE keeps what they put there over what its pages read.
 */

// Built from table constructors and HMGET only: the in-memory Redis of the local stack (fengari Lua)
// cannot assign into a table, and has table.unpack where Redis's Lua 5.1 has unpack.
export const READ = `
if redis.call('EXISTS', KEYS[4]) == 1 then return 'revoked' end
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local spread = table.unpack or unpack
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
local entries = {}
local names = {}
if #ids > 0 then
  entries = redis.call('HMGET', KEYS[2], spread(ids))
  names = redis.call('HMGET', KEYS[3], spread(ids))
end
local rank = redis.call('ZRANK', KEYS[1], ARGV[2])
local mine = false
if rank then mine = redis.call('HGET', KEYS[2], ARGV[2]) end
return {ids, entries, names, rank or -1, mine}`;

// Only touches boards that exist: a partial set would rank a handful of players as if alone. A
// player the board does not know by name (ARGV[4] empty) makes it drop the board for a rebuild.
// While a rebuild holds its lock (KEYS[7]), the board being built (KEYS[4..6]) gets the change too,
// named or not: the rebuild's pages keep it over what they read (leaderboard-rebuild.ts). A player
// who left meanwhile (KEYS[8]) stays off it unless this change names them (a join).
export const UPSERT = `
if redis.call('EXISTS', KEYS[7]) == 1 then
  if ARGV[4] ~= '' then
    redis.call('SREM', KEYS[8], ARGV[1])
    redis.call('HSET', KEYS[6], ARGV[1], ARGV[4])
  end
  if redis.call('SISMEMBER', KEYS[8], ARGV[1]) == 0 then
    redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
    redis.call('HSET', KEYS[5], ARGV[1], ARGV[3])
  end
  local building = redis.call('PTTL', KEYS[7])
  for k = 4, 6 do redis.call('PEXPIRE', KEYS[k], building) end
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[4]) end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1`;

// Off the live board and the one being built; while a rebuild holds its lock (KEYS[7]), the player
// is also listed as gone (KEYS[8]), so a page read before they left does not bring them back.
export const REMOVE = `
for i = 0, 1 do
  redis.call('ZREM', KEYS[1 + 3 * i], ARGV[1])
  redis.call('HDEL', KEYS[2 + 3 * i], ARGV[1])
  redis.call('HDEL', KEYS[3 + 3 * i], ARGV[1])
end
if redis.call('EXISTS', KEYS[7]) == 1 then
  redis.call('SADD', KEYS[8], ARGV[1])
  redis.call('PEXPIRE', KEYS[8], redis.call('PTTL', KEYS[7]))
end
return 1`;

// The live board's names (KEYS[1]) if it has the player; the board being built (KEYS[2]) whenever a
// rebuild holds its lock (KEYS[3]), where the new name wins over the one its pages read.
export const RENAME = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], redis.call('PTTL', KEYS[3]))
end
return 1`;

// One page of a rebuild, into the board being built (KEYS[1..3]). ARGV: its TTL (ms), the rebuild's
// token on the last page ('' before), the live board's TTL (s), then (id, score, entry, name) per
// player. A player a write has already placed there keeps that entry and name (newer than this
// page's read); one who left since the page was read (in KEYS[8]) is not brought back. After the last
// page, in the same script (so a page that fails is never swapped in), the board built replaces the
// live one (KEYS[4..6]) at once, if this rebuild still holds the lock (KEYS[7] = token): a dropped
// board (closed, deleted) is not brought back.
export const LOAD_PAGE = `
for i = 4, #ARGV, 4 do
  if redis.call('SISMEMBER', KEYS[8], ARGV[i]) == 0 then
    if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then
      redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
      redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
    end
    redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i + 3])
  end
end
for k = 1, 3 do redis.call('PEXPIRE', KEYS[k], ARGV[1]) end
if ARGV[2] == '' then return 1 end
if redis.call('GET', KEYS[7]) ~= ARGV[2] then return 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then
  for k = 1, 3 do
    redis.call('DEL', KEYS[k + 3])
    if redis.call('EXISTS', KEYS[k]) == 1 then redis.call('RENAME', KEYS[k], KEYS[k + 3]) end
    redis.call('EXPIRE', KEYS[k + 3], ARGV[3])
  end
end
redis.call('DEL', KEYS[7], KEYS[8])
return 1`;

// Takes the rebuild lock (KEYS[4] = ARGV[1], for ARGV[2] ms) and clears what an earlier rebuild cut
// short left (the `next` keys KEYS[1..3], its leavers KEYS[5]); 0 when another rebuild holds it.
export const LOCK = `
if redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[5])
return 1`;
