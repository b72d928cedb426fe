// ThreadWaiters: one thread per pending async wait, for kernels without futex_waitv and macOS.
//
// Each pending wait occupies one thread blocked in the kernel; a finished thread parks and serves
// the next wait, and threads idle for longer than kIdleExitMs exit (down to kKeepIdle). At most
// kMaxThreads waits may be pending per environment.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>

#include "futex_platform.h"
#include "waiter.h"

namespace multiproc {
namespace {

class ThreadWaiters final : public WaiterPool {
 public:
  static constexpr size_t kMaxThreads = 1024;
  static constexpr size_t kKeepIdle = 4;
  static constexpr int kIdleExitMs = 10000;

  explicit ThreadWaiters(AddonState* state) : WaiterPool(state) {}
  const char* LimitMessage() const override {
    return "too many pending async futex waits in this thread (the limit is 1024)";
  }

 protected:
  int Add(std::unique_ptr<WaitRequest> request) override;
  void StopThreads() override;

 private:
  struct Worker {
    pthread_t thread{};
    std::unique_ptr<WaitRequest> request;  // guarded by mu_
    std::condition_variable cv;
    std::atomic<bool> cancel{false};
    bool exited = false;  // guarded by mu_
    ThreadWaiters* pool = nullptr;
  };

  static void* ThreadMain(void* arg);
  void Run(Worker* worker);
  void JoinExited();  // mu_ held

  std::condition_variable worker_done_;
  std::vector<std::unique_ptr<Worker>> workers_;  // guarded by mu_
  std::deque<Worker*> idle_;                       // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
};

int ThreadWaiters::Add(std::unique_ptr<WaitRequest> request) {
  std::unique_lock<std::mutex> lock(mu_);
  JoinExited();
  if (!idle_.empty()) {
    Worker* worker = idle_.front();
    idle_.pop_front();
    worker->request = std::move(request);
    worker->cv.notify_one();
    return 0;
  }
  if (workers_.size() >= kMaxThreads) return EAGAIN;
  auto fresh = std::make_unique<Worker>();
  fresh->pool = this;
  fresh->request = std::move(request);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kStackSize);
  int err = pthread_create(&fresh->thread, &attr, ThreadMain, fresh.get());
  pthread_attr_destroy(&attr);
  if (err != 0) return err;
  workers_.push_back(std::move(fresh));
  return 0;
}

void* ThreadWaiters::ThreadMain(void* arg) {
  auto* worker = static_cast<Worker*>(arg);
  worker->pool->Run(worker);
  return nullptr;
}

void ThreadWaiters::Run(Worker* worker) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    while (!worker->request && !stopping_) {
      auto status = worker->cv.wait_for(lock, std::chrono::milliseconds(kIdleExitMs));
      if (status == std::cv_status::timeout && !worker->request && !stopping_ &&
          idle_.size() > kKeepIdle) {
        idle_.erase(std::find(idle_.begin(), idle_.end(), worker));
        worker->exited = true;
        return;
      }
    }
    if (!worker->request) return;  // stopping
    WaitRequest* request = worker->request.get();
    lock.unlock();
    request->result = FutexWait(request->addr, request->expected,
                                request->has_deadline ? &request->deadline : nullptr,
                                &worker->cancel);
    lock.lock();
    Finish(std::move(worker->request));
    worker_done_.notify_all();
    if (stopping_) return;
    idle_.push_back(worker);
    Notify();
  }
}

void ThreadWaiters::JoinExited() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if ((*it)->exited) {
      pthread_join((*it)->thread, nullptr);
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void ThreadWaiters::StopThreads() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& worker : workers_) {
      worker->cancel.store(true);
      worker->cv.notify_one();
    }
    // A blocked thread only returns when its word is woken. Wake each such word (other waiters on
    // it see a spurious wake-up, which every futex user must tolerate) until the thread is back;
    // repeat because a thread may enter the kernel just after a wake.
    for (;;) {
      bool busy = false;
      for (auto& worker : workers_) {
        if (worker->request) {
          busy = true;
          FutexWake(worker->request->addr, INT_MAX);
        }
      }
      if (!busy) break;
      worker_done_.wait_for(lock, std::chrono::milliseconds(2));
    }
  }
  for (auto& worker : workers_) pthread_join(worker->thread, nullptr);
  workers_.clear();
  idle_.clear();
}

}  // namespace

std::unique_ptr<WaiterPool> NewThreadWaiters(AddonState* state) {
  return std::make_unique<ThreadWaiters>(state);
}

}  // namespace multiproc
