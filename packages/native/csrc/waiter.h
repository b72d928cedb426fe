// The addon's own waiter threads for async futex waits.
//
// Each pending async wait occupies one thread blocked in the kernel; a finished thread parks and
// serves the next wait, and threads idle for longer than kIdleExitMs exit (down to kKeepIdle).
// At most kMaxThreads waits may be pending per environment. libuv's threadpool is never used, so
// fs/dns/crypto work is unaffected however many waits are pending. Results travel back to the
// loop thread through one uv_async_t, which is ref'd only while a wait is pending: with no pending
// wait the addon holds nothing that keeps Node alive.
#ifndef MULTIPROC_WAITER_H_
#define MULTIPROC_WAITER_H_

#include <pthread.h>
#include <time.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "state.h"

namespace multiproc {

struct WaitRequest {
  uint32_t id = 0;
  std::shared_ptr<v8::BackingStore> store;  // keeps the mapping alive while a thread waits on it
  int32_t* addr = nullptr;
  int32_t expected = 0;
  bool has_deadline = false;
  timespec deadline{};
  int result = 0;  // WaitResult, or -errno
};

class WaiterPool {
 public:
  static constexpr size_t kMaxThreads = 1024;
  static constexpr size_t kKeepIdle = 4;
  static constexpr int kIdleExitMs = 10000;
  static constexpr size_t kStackSize = 256 * 1024;

  explicit WaiterPool(AddonState* state);
  // Starts a wait (loop thread). Returns 0, EAGAIN when kMaxThreads waits are pending, or the
  // error of pthread_create.
  int Submit(std::unique_ptr<WaitRequest> request);
  // Wakes every blocked thread, joins all threads, then closes the uv handle and calls done.
  void Shutdown(void (*done)(void*), void* done_arg);
  size_t Pending() const { return pending_; }

 private:
  struct Worker {
    pthread_t thread{};
    std::unique_ptr<WaitRequest> request;  // guarded by mu_
    std::condition_variable cv;
    std::atomic<bool> cancel{false};
    bool exited = false;  // guarded by mu_
    WaiterPool* pool = nullptr;
  };

  static void* ThreadMain(void* arg);
  static void OnAsync(uv_async_t* handle);
  void Run(Worker* worker);
  void Deliver();
  void JoinExited();  // mu_ held

  AddonState* state_;
  uv_async_t async_{};
  std::mutex mu_;
  std::condition_variable worker_done_;
  std::vector<std::unique_ptr<Worker>> workers_;  // guarded by mu_
  std::deque<Worker*> idle_;                       // guarded by mu_
  std::vector<std::unique_ptr<WaitRequest>> done_;  // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
  size_t pending_ = 0;                              // loop thread only
  void (*done_cb_)(void*) = nullptr;
  void* done_arg_ = nullptr;
};

}  // namespace multiproc

#endif  // MULTIPROC_WAITER_H_
