// The platform's "wait while a 32-bit word holds a value" primitive, usable across processes on
// memory mapped MAP_SHARED: Linux futex without FUTEX_PRIVATE_FLAG; macOS __ulock with the
// _SHARED operation. Picked at compile time; binding.gyp compiles this project on both.
#ifndef MULTIPROC_FUTEX_PLATFORM_H_
#define MULTIPROC_FUTEX_PLATFORM_H_

#include <errno.h>
#include <stdint.h>
#include <time.h>

#include <atomic>
#include <climits>

namespace multiproc {

enum WaitResult { kWaitOk = 0, kWaitNotEqual = 1, kWaitTimedOut = 2 };

// Absolute CLOCK_MONOTONIC deadline `ms` milliseconds from now.
inline timespec DeadlineAfter(double ms) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double ns_total = static_cast<double>(now.tv_nsec) + ms * 1e6;
  int64_t extra_s = static_cast<int64_t>(ns_total / 1e9);
  timespec deadline;
  deadline.tv_sec = now.tv_sec + extra_s;
  deadline.tv_nsec = static_cast<long>(ns_total - static_cast<double>(extra_s) * 1e9);
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1000000000L;
  }
  return deadline;
}

inline bool DeadlinePassed(const timespec& deadline) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec > deadline.tv_sec ||
         (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

}  // namespace multiproc

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace multiproc {

// One futex wait. Returns 0 when woken, else an errno (EAGAIN: the word differed; ETIMEDOUT;
// EINTR). FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so a retry after EINTR
// never stretches the total wait. No FUTEX_PRIVATE_FLAG: the word is shared between processes.
inline int FutexWaitOnce(int32_t* addr, int32_t expected, const timespec* deadline) {
  long rc = syscall(SYS_futex, addr, FUTEX_WAIT_BITSET, expected, deadline, nullptr,
                    FUTEX_BITSET_MATCH_ANY);
  return rc == 0 ? 0 : errno;
}

// Wakes up to `count` waiters; returns how many were woken, or -errno.
inline int FutexWake(int32_t* addr, int count) {
  long rc = syscall(SYS_futex, addr, FUTEX_WAKE, count, nullptr, nullptr, 0);
  return rc < 0 ? -errno : static_cast<int>(rc);
}

// futex_waitv (Linux >= 5.16): one sleep on up to kWaitvMax words. Declared here rather than taken
// from <linux/futex.h> so that the addon builds against older kernel headers too; the layout and
// numbers are the kernel's ABI.
constexpr int kWaitvMax = 128;
constexpr uint32_t kFutex2SizeU32 = 0x02;
constexpr uint32_t kFutex2Private = 128;  // FUTEX_PRIVATE_FLAG: for the addon's own words only
constexpr long kSysFutexWaitv = 449;      // the same number on every architecture

struct FutexWaitvEntry {
  uint64_t val;
  uint64_t uaddr;
  uint32_t flags;
  uint32_t reserved;
};

// Sleeps until one word is woken (returns its index), a word differs from its value (-EAGAIN), the
// absolute CLOCK_MONOTONIC deadline passes (-ETIMEDOUT; nullptr: none), or a signal (-EINTR).
inline int FutexWaitv(FutexWaitvEntry* entries, unsigned count, const timespec* deadline) {
  long rc = syscall(kSysFutexWaitv, entries, count, 0, deadline, CLOCK_MONOTONIC);
  return rc < 0 ? -errno : static_cast<int>(rc);
}

inline FutexWaitvEntry WaitvEntry(const int32_t* addr, int32_t expected, uint32_t flags) {
  // The kernel compares the word as an unsigned 32-bit value, and refuses bits above it.
  return {static_cast<uint32_t>(expected), reinterpret_cast<uintptr_t>(addr),
          kFutex2SizeU32 | flags, 0};
}

// Whether this kernel has futex_waitv: a call with no words is refused with EINVAL where it
// exists, and with ENOSYS (or EPERM, from a seccomp filter) where it does not.
inline bool FutexWaitvAvailable() {
  return FutexWaitv(nullptr, 0, nullptr) == -EINVAL;
}

}  // namespace multiproc

#elif defined(__APPLE__)
// Darwin's private but stable __ulock API (used by libc++ and Chromium). UL_COMPARE_AND_WAIT_SHARED
// keys the wait by the physical page, so it works across processes on shared mappings.
extern "C" int __ulock_wait(uint32_t operation, void* addr, uint64_t value, uint32_t timeout_us);
extern "C" int __ulock_wake(uint32_t operation, void* addr, uint64_t wake_value);

namespace multiproc {

constexpr uint32_t kUlCompareAndWaitShared = 3;
constexpr uint32_t kUlfWakeAll = 0x00000100;
constexpr uint32_t kUlfNoErrno = 0x01000000;

inline int FutexWaitOnce(int32_t* addr, int32_t expected, const timespec* deadline) {
  if (__atomic_load_n(addr, __ATOMIC_SEQ_CST) != expected) return EAGAIN;
  uint32_t timeout_us = 0;  // 0 means forever for __ulock_wait
  if (deadline != nullptr) {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double us = (deadline->tv_sec - now.tv_sec) * 1e6 + (deadline->tv_nsec - now.tv_nsec) / 1e3;
    if (us <= 0) return ETIMEDOUT;
    timeout_us = us > 4e9 ? 4000000000u : static_cast<uint32_t>(us < 1 ? 1 : us);
  }
  int rc = __ulock_wait(kUlCompareAndWaitShared | kUlfNoErrno, addr,
                        static_cast<uint32_t>(expected), timeout_us);
  if (rc >= 0) return 0;
  if (-rc == ETIMEDOUT && deadline != nullptr && !DeadlinePassed(*deadline)) return EINTR;
  return -rc;
}

// __ulock_wake does not report a count: 1 when anything was woken (or all were asked for).
inline int FutexWake(int32_t* addr, int count) {
  uint32_t op = kUlCompareAndWaitShared | kUlfNoErrno | (count > 1 ? kUlfWakeAll : 0);
  int rc = __ulock_wake(op, addr, 0);
  if (rc == -ENOENT) return 0;
  return rc < 0 ? rc : 1;
}

}  // namespace multiproc

#else
#error "multiproc native: unsupported platform (Linux and macOS only)"
#endif

namespace multiproc {

// Waits until woken, the word differs, or the deadline (nullptr: none) passes; retries EINTR.
inline int FutexWait(int32_t* addr, int32_t expected, const timespec* deadline,
                     const std::atomic<bool>* cancel = nullptr) {
  for (;;) {
    if (cancel != nullptr && cancel->load()) return kWaitOk;
    int err = FutexWaitOnce(addr, expected, deadline);
    if (err == 0) return kWaitOk;
    if (err == EAGAIN) return kWaitNotEqual;
    if (err == ETIMEDOUT) return kWaitTimedOut;
    if (err != EINTR) return -err;
  }
}

}  // namespace multiproc

#endif  // MULTIPROC_FUTEX_PLATFORM_H_
