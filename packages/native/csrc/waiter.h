// The addon's own waiter threads for async futex waits, and how their results reach JavaScript.
//
// Two ways to wait, picked once per process (StartWaiters):
// - MultiWaiters (waiter_multi.cc, Linux >= 5.16): each thread sleeps in one futex_waitv on up to
//   127 distinct words at once, so any number of pending waits needs a handful of threads.
// - ThreadWaiters (waiter_threads.cc, older kernels and macOS): one thread per pending wait.
// libuv's threadpool is never used, so fs/dns/crypto work is unaffected however many waits are
// pending. Results travel back to the loop thread through one uv_async_t, which is ref'd only
// while a wait is pending: with no pending wait the addon holds nothing that keeps Node alive.
#ifndef MULTIPROC_WAITER_H_
#define MULTIPROC_WAITER_H_

#include <pthread.h>
#include <time.h>

#include <memory>
#include <mutex>
#include <vector>

#include "state.h"

namespace multiproc {

struct WaitRequest {
  uint32_t id = 0;
  double order = 0;  // waits settled together are resolved in ascending order
  // Of the exclusive waits of one thread on one word, a wake-up settles only the oldest (see
  // waiter_multi.cc); other waits are all settled by it.
  bool exclusive = false;
  // The timeout is only a periodic re-check: an exclusive wait not first in line never times out.
  bool recheck = false;
  std::shared_ptr<v8::BackingStore> store;  // keeps the mapping alive while a thread waits on it
  int32_t* addr = nullptr;
  int32_t expected = 0;
  bool has_deadline = false;
  timespec deadline{};
  int result = 0;  // WaitResult, or -errno
};

class WaiterPool {
 public:
  static constexpr size_t kStackSize = 256 * 1024;

  explicit WaiterPool(AddonState* state);
  virtual ~WaiterPool() = default;
  // Starts a wait (loop thread). Returns 0, EAGAIN when the pool takes no more (LimitMessage says
  // why), or the error of pthread_create.
  int Submit(std::unique_ptr<WaitRequest> request);
  virtual const char* LimitMessage() const = 0;
  // Stops and joins every thread, then closes the uv handle and calls done.
  void Shutdown(void (*done)(void*), void* done_arg);

 protected:
  // Takes a request into the threads' care (loop thread).
  virtual int Add(std::unique_ptr<WaitRequest> request) = 0;
  // Makes every thread return and joins it; requests still waiting are dropped.
  virtual void StopThreads() = 0;
  // Loop thread, after the promises of settled waits were resolved and the microtasks they ran
  // have run: `addrs` are the words of the exclusive waits among them.
  virtual void AfterDelivery(const std::vector<int32_t*>& addrs) {}
  // With mu_ held: hands a finished request to the loop thread (after Notify()).
  void Finish(std::unique_ptr<WaitRequest> request) { done_.push_back(std::move(request)); }
  void Notify() { uv_async_send(&async_); }

  std::mutex mu_;

 private:
  static void OnAsync(uv_async_t* handle);
  void Deliver();

  AddonState* state_;
  uv_async_t async_{};
  std::vector<std::unique_ptr<WaitRequest>> done_;  // guarded by mu_
  size_t pending_ = 0;                              // loop thread only
  void (*done_cb_)(void*) = nullptr;
  void* done_arg_ = nullptr;
};

// The two kinds (each in its own file).
std::unique_ptr<WaiterPool> NewThreadWaiters(AddonState* state);
std::unique_ptr<WaiterPool> NewMultiWaiters(AddonState* state);  // nullptr where unsupported

}  // namespace multiproc

#endif  // MULTIPROC_WAITER_H_
