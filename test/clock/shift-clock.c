/*
 * Test infrastructure only: an LD_PRELOAD shim that moves the wall clock (CLOCK_REALTIME) of every
 * process it is loaded into by SHIFT_CLOCK_SECONDS, so that the whole local stack — workerd (the
 * Worker and the tests inside it), Node (PGlite's now(), the in-memory Redis's TTLs), Chromium —
 * agrees on an instant other than the real one. scripts/test-at-instants.ts builds and loads it.
 *
 * Why not libfaketime: workerd deadlocks at start-up under it (a futex wait in a static initialiser;
 * libfaketime 0.9.10, Debian 12). This shim calls the kernel directly and allocates nothing, so it
 * is safe to run before any initialiser. Monotonic clocks (timers, timeouts) are left alone.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long shift_seconds(void) {
  static int read = 0;
  static long seconds = 0;
  if (!read) {
    const char *value = getenv("SHIFT_CLOCK_SECONDS");
    seconds = value ? strtol(value, NULL, 10) : 0;
    read = 1;
  }
  return seconds;
}

int clock_gettime(clockid_t clock, struct timespec *now) {
  long result = syscall(SYS_clock_gettime, clock, now);
  if (result == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) now->tv_sec += shift_seconds();
  return (int)result;
}

int gettimeofday(struct timeval *now, void *zone) {
  long result = syscall(SYS_gettimeofday, now, zone);
  if (result == 0 && now) now->tv_sec += shift_seconds();
  return (int)result;
}

time_t time(time_t *out) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if (out) *out = now.tv_sec;
  return now.tv_sec;
}
