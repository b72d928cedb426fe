// keepWarm(micros): keeps this process's CPUs from going idle for the next `micros` µs.
//
// Why. A thread that sleeps (in epoll, poll or a futex) and is then woken by another process
// pays for the wake-up; on a VM most of that is the idle vCPU itself, which halts and needs an
// inter-processor interrupt and a VM entry to run again: 25-40 µs per wake-up measured on the
// 2-vCPU machines we test on, against ~5 µs when a CPU is still busy. An event loop that awaits
// a reply cannot spin itself (that would block it), so one helper thread per process spins for
// it, at nice 19: competing with a normal thread it gets ~1.5% of a CPU, and a woken thread
// preempts it at once. It spins until the last requested deadline passes, then sleeps on a
// condition variable until the next request; an idle process costs nothing.
//
// Measured (raw socket ping-pong between two Node processes, 2-vCPU VM, medians): 87-99 µs per
// round trip with sleeping event loops, 14-22 µs with keepWarm(50) on both sides. SCHED_IDLE,
// the obvious choice for such a thread, gave only 46-62 µs: the kernel counts a CPU that runs
// only SCHED_IDLE work as idle when it places a woken thread, which brings the cost back.
//
// The thread is shared by every environment (main thread and worker_threads) of the process and
// lives as long as the process: the library is pinned (addon.cc) and the thread touches no
// per-environment state. Its synchronisation objects are never destroyed, so exit() cannot
// destroy a condition variable the thread still waits on.
#include <sched.h>
#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "state.h"

namespace multiproc {
namespace {

struct Warmth {
  std::atomic<int64_t> deadline{0};  // steady_clock nanoseconds
  std::atomic<bool> sleeping{false};
  std::once_flag started;
  bool running = false;  // the spinner thread could be started
  std::mutex mutex;
  std::condition_variable wake;
};

Warmth& Shared() {
  static Warmth* warmth = new Warmth();  // never destroyed, see the file comment
  return *warmth;
}

void Spin(Warmth* w) {
#if defined(__linux__)
  // Linux applies a nice value to the one thread whose id it is given.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
#endif
  for (;;) {
    if (SteadyNowNs() < w->deadline.load(std::memory_order_relaxed)) {
      for (int i = 0; i < 64; i++) CpuRelax();
      continue;
    }
    std::unique_lock<std::mutex> lock(w->mutex);
    w->sleeping.store(true);
    while (SteadyNowNs() >= w->deadline.load()) w->wake.wait(lock);
    w->sleeping.store(false);
  }
}

// keepWarm(micros). With no thread to be had (a limit on threads), a no-op.
void KeepWarm(const v8::FunctionCallbackInfo<v8::Value>& info) {
  int64_t micros;
  if (!IntArg(info, 0, &micros)) return;
  if (micros <= 0) return;
  Warmth& w = Shared();
  std::call_once(w.started, [&w] { w.running = StartDetached<Warmth, Spin>(&w); });
  if (!w.running) return;
  const int64_t until = SteadyNowNs() + micros * 1000;
  int64_t current = w.deadline.load();
  while (current < until && !w.deadline.compare_exchange_weak(current, until)) {
  }
  if (w.sleeping.load()) {
    std::lock_guard<std::mutex> lock(w.mutex);
    w.wake.notify_one();
  }
}

// yieldCpu(): lets a thread that is ready to run on this CPU go first (sched_yield). A thread
// that busy-waits for another process calls it while the wait goes on: where busy threads
// outnumber the CPUs, the one it waits for may be the one waiting for this CPU.
void YieldCpu(const v8::FunctionCallbackInfo<v8::Value>&) { sched_yield(); }

}  // namespace

void InitWarm(v8::Local<v8::Object> exports, AddonState* state) {
  SetMethod(exports, state, "keepWarm", KeepWarm);
  SetMethod(exports, state, "yieldCpu", YieldCpu);
}

}  // namespace multiproc
