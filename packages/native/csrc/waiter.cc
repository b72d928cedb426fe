#include "waiter.h"

#include <algorithm>
#include <chrono>

#include "futex_platform.h"

namespace multiproc {

WaiterPool::WaiterPool(AddonState* state) : state_(state) {
  uv_async_init(state->loop, &async_, OnAsync);
  async_.data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
}

int WaiterPool::Submit(std::unique_ptr<WaitRequest> request) {
  std::unique_lock<std::mutex> lock(mu_);
  JoinExited();
  Worker* worker = nullptr;
  if (!idle_.empty()) {
    worker = idle_.front();
    idle_.pop_front();
    worker->request = std::move(request);
    worker->cv.notify_one();
  } else {
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
  }
  if (pending_++ == 0) uv_ref(reinterpret_cast<uv_handle_t*>(&async_));
  return 0;
}

void* WaiterPool::ThreadMain(void* arg) {
  auto* worker = static_cast<Worker*>(arg);
  worker->pool->Run(worker);
  return nullptr;
}

void WaiterPool::Run(Worker* worker) {
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
    done_.push_back(std::move(worker->request));
    worker_done_.notify_all();
    if (stopping_) return;
    idle_.push_back(worker);
    uv_async_send(&async_);
  }
}

void WaiterPool::JoinExited() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if ((*it)->exited) {
      pthread_join((*it)->thread, nullptr);
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void WaiterPool::OnAsync(uv_async_t* handle) { static_cast<WaiterPool*>(handle->data)->Deliver(); }

void WaiterPool::Deliver() {
  std::vector<std::unique_ptr<WaitRequest>> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    finished.swap(done_);
  }
  if (finished.empty() || state_->closing) return;
  v8::Isolate* isolate = state_->isolate;
  v8::HandleScope handle_scope(isolate);
  v8::Local<v8::Context> context = state_->context.Get(isolate);
  v8::Context::Scope context_scope(context);
  // Runs microtasks and process.nextTick callbacks when it closes, as after any I/O callback.
  node::CallbackScope callback_scope(isolate, v8::Object::New(isolate), {0, 0});
  for (auto& request : finished) {
    auto it = state_->pending.find(request->id);
    if (it == state_->pending.end()) continue;
    v8::Local<v8::Promise::Resolver> resolver = it->second.Get(isolate);
    state_->pending.erase(it);
    if (--pending_ == 0) uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
    if (request->result < 0) {
      resolver->Reject(context, node::ErrnoException(isolate, -request->result, "futex"))
          .Check();
      continue;
    }
    const char* text = request->result == kWaitOk         ? "ok"
                       : request->result == kWaitNotEqual ? "not-equal"
                                                          : "timed-out";
    resolver->Resolve(context, v8::String::NewFromUtf8(isolate, text).ToLocalChecked()).Check();
  }
}

void WaiterPool::Shutdown(void (*done)(void*), void* done_arg) {
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
  done_.clear();
  done_cb_ = done;
  done_arg_ = done_arg;
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), [](uv_handle_t* handle) {
    auto* pool = static_cast<WaiterPool*>(handle->data);
    void (*cb)(void*) = pool->done_cb_;
    void* arg = pool->done_arg_;
    delete pool->state_;  // owns the pool: `pool` is gone after this line
    cb(arg);
  });
}

AddonState::AddonState() = default;
AddonState::~AddonState() = default;

void StartWaiters(AddonState* state) { state->waiters = std::make_unique<WaiterPool>(state); }

void StopWaiters(AddonState* state, void (*done)(void*), void* done_arg) {
  state->waiters->Shutdown(done, done_arg);
}

}  // namespace multiproc
