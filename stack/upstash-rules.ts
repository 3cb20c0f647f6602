// What Upstash refuses that a plain Redis accepts (sources cited in stack/README.md): request and
// key-name sizes, and keys a script flagged `allow-key-locking` did not declare in KEYS.

/** "max request size … is 10MB": counted as 10,000,000 bytes, the stricter reading. */
export const MAX_REQUEST_BYTES = 10_000_000;
/** "max key size … is 32Kb": counted as 32,000 bytes, the stricter reading. */
export const MAX_KEY_BYTES = 32_000;

// Which arguments are key names. Enough for the commands this project and the Upstash SDKs send;
// any other command is taken to have its key first (true of nearly every Redis command).
const KEYLESS = [
  "PING",
  "ECHO",
  "TIME",
  "DBSIZE",
  "INFO",
  "SCRIPT",
  "FLUSHDB",
  "FLUSHALL",
  "SCAN",
  "RANDOMKEY",
];
const ALL_KEYS = [
  "DEL",
  "UNLINK",
  "EXISTS",
  "MGET",
  "TOUCH",
  "WATCH",
  "SINTER",
  "SUNION",
  "SDIFF",
  "PFCOUNT",
];
const PAIRED_KEYS = ["MSET", "MSETNX"];
const SCRIPTS = ["EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"];

/** The key names of a command (name first, as sent on the wire). */
export function keysOf(command: readonly string[]): string[] {
  const [rawName = "", ...args] = command;
  const name = rawName.toUpperCase();
  if (KEYLESS.includes(name)) return [];
  if (ALL_KEYS.includes(name)) return args;
  if (PAIRED_KEYS.includes(name)) return args.filter((_, index) => index % 2 === 0);
  if (SCRIPTS.includes(name)) return args.slice(2, 2 + (Number(args[1]) || 0));
  return args.slice(0, 1);
}

/** Upstash's answer to a command with an over-long key name, or undefined. */
export function keySizeError(command: readonly string[]): string | undefined {
  for (const key of keysOf(command)) {
    const size = Buffer.byteLength(key);
    if (size > MAX_KEY_BYTES)
      return `ERR max key size exceeded. Limit: ${MAX_KEY_BYTES} bytes, Actual: ${size} bytes`;
  }
  return undefined;
}

const luaSet = (names: string[]) => `{${names.map((name) => `${name}=true`).join(",")}}`;

/**
 * One line of Lua put where the shebang was (so line numbers in errors stay right): a local
 * `redis` that checks, before each call, that every key the command names was passed in KEYS —
 * Upstash refuses a dynamic key in a script that asked for key-based locking. The key positions
 * are the ones `keysOf` uses.
 */
export const KEY_LOCKING_GUARD = [
  "local __redis, __declared = redis, {}",
  // ioredis-mock's Lua has no redis.error_reply: a plain error carries the same message there.
  "local __refuse = __redis.error_reply and function(m) error(__redis.error_reply(m)) end or error",
  "for _, k in ipairs(KEYS) do __declared[k] = true end",
  `local __keyless, __all, __paired = ${luaSet(KEYLESS)}, ${luaSet(ALL_KEYS)}, ${luaSet(PAIRED_KEYS)}`,
  "local function __guard(name, ...)",
  " local args, keys = {...}, {}",
  " name = string.upper(tostring(name))",
  " if __keyless[name] then return end",
  " if __all[name] then keys = args",
  " elseif __paired[name] then for i = 1, #args, 2 do keys[#keys + 1] = args[i] end",
  " else keys = {args[1]} end",
  " for _, k in ipairs(keys) do",
  "  if not __declared[tostring(k)] then",
  "   __refuse(('ERR allow-key-locking script accessed a key not declared in KEYS: ' .. tostring(k)))",
  "  end",
  " end",
  "end",
  "local redis = setmetatable({",
  " call = function(...) __guard(...) return __redis.call(...) end,",
  " pcall = function(...) __guard(...) return __redis.pcall(...) end,",
  "}, {__index = __redis})",
].join(" ");

/** The shebang's flags (`#!lua flags=a,b`), empty when there is none. */
export function shebangFlags(script: string): string[] {
  const match = /^#!lua\s+flags=([^\s]*)/.exec(script);
  return match?.[1] ? match[1].split(",") : [];
}
