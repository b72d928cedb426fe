#include "waiter.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "futex_platform.h"

namespace multiproc {

WaiterPool::WaiterPool(AddonState* state) : state_(state) {
  uv_async_init(state->loop, &async_, OnAsync);
  async_.data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
}

int WaiterPool::Submit(std::unique_ptr<WaitRequest> request) {
  int err = Add(std::move(request));
  if (err == 0 && pending_++ == 0) uv_ref(reinterpret_cast<uv_handle_t*>(&async_));
  return err;
}

void WaiterPool::OnAsync(uv_async_t* handle) { static_cast<WaiterPool*>(handle->data)->Deliver(); }

void WaiterPool::Deliver() {
  std::vector<std::unique_ptr<WaitRequest>> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    finished.swap(done_);
  }
  if (finished.empty() || state_->closing) return;
  // Oldest first (by the caller's order): a caller that re-waits after each wake-up keeps its
  // place among the waits of this thread that one wake-up settles together.
  std::stable_sort(finished.begin(), finished.end(),
                   [](const std::unique_ptr<WaitRequest>& a, const std::unique_ptr<WaitRequest>& b) {
                     return a->order < b->order;
                   });
  std::vector<int32_t*> exclusive;
  {
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
      if (request->exclusive && request->result != kWaitTimedOut) {
        exclusive.push_back(request->addr);
      }
      const char* text = request->result == kWaitOk         ? "ok"
                         : request->result == kWaitNotEqual ? "not-equal"
                                                            : "timed-out";
      resolver->Resolve(context, v8::String::NewFromUtf8(isolate, text).ToLocalChecked())
          .Check();
    }
  }
  if (!exclusive.empty() && !state_->closing) AfterDelivery(exclusive);
}

void WaiterPool::Shutdown(void (*done)(void*), void* done_arg) {
  StopThreads();
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_.clear();
  }
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

void StartWaiters(AddonState* state) {
  // MULTIPROC_FUTEX_WAITV=0 picks the thread-per-wait kind where futex_waitv exists (for tests
  // of that path, and as a way out should a kernel misbehave).
  const char* setting = getenv("MULTIPROC_FUTEX_WAITV");
  if (setting == nullptr || strcmp(setting, "0") != 0) state->waiters = NewMultiWaiters(state);
  if (!state->waiters) state->waiters = NewThreadWaiters(state);
}

void StopWaiters(AddonState* state, void (*done)(void*), void* done_arg) {
  state->waiters->Shutdown(done, done_arg);
}

}  // namespace multiproc
