// Cross-process futex wait/wake on one int32 word of a SharedArrayBuffer.
//
// V8's Atomics.wait/notify keep their waiter lists per process, so a notify in one process never
// wakes a wait in another; these calls go to the kernel instead. JavaScript validates arguments;
// the checks here only keep a bad call from touching memory outside the buffer.
#include <cmath>

#include "futex_platform.h"
#include "state.h"
#include "waiter.h"

namespace multiproc {
namespace {

// Resolves (view, index) to the word's address, keeping the backing store for async waits.
bool WordArg(const v8::FunctionCallbackInfo<v8::Value>& info, int32_t** addr,
             std::shared_ptr<v8::BackingStore>* store) {
  v8::Isolate* isolate = info.GetIsolate();
  if (!info[0]->IsInt32Array()) {
    ThrowTypeError(isolate, "expected an Int32Array");
    return false;
  }
  v8::Local<v8::Int32Array> view = info[0].As<v8::Int32Array>();
  int64_t index;
  if (!IntArg(info, 1, &index)) return false;
  if (index < 0 || static_cast<size_t>(index) >= view->Length()) {
    isolate->ThrowException(v8::Exception::RangeError(
        v8::String::NewFromUtf8Literal(isolate, "index out of range")));
    return false;
  }
  std::shared_ptr<v8::BackingStore> backing = view->Buffer()->GetBackingStore();
  char* base = static_cast<char*>(backing->Data()) + view->ByteOffset();
  *addr = reinterpret_cast<int32_t*>(base) + index;
  if (store != nullptr) *store = std::move(backing);
  return true;
}

// Timeout argument in ms: undefined or Infinity means none; JavaScript ensures it is >= 0.
bool DeadlineArg(const v8::FunctionCallbackInfo<v8::Value>& info, int index, bool* has,
                 timespec* deadline) {
  *has = false;
  if (info[index]->IsUndefined()) return true;
  if (!info[index]->IsNumber()) {
    ThrowTypeError(info.GetIsolate(), "timeout must be a number");
    return false;
  }
  double ms = info[index].As<v8::Number>()->Value();
  if (std::isinf(ms)) return true;
  if (std::isnan(ms) || ms < 0) ms = 0;
  *has = true;
  *deadline = DeadlineAfter(ms);
  return true;
}

const char* ResultName(int result) {
  return result == kWaitOk ? "ok" : result == kWaitNotEqual ? "not-equal" : "timed-out";
}

// futexWaitSync(view, index, expected, timeoutMs?) → 'ok' | 'not-equal' | 'timed-out'
void WaitSync(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  int32_t* addr;
  int64_t expected;
  bool has_deadline;
  timespec deadline;
  if (!WordArg(info, &addr, nullptr) || !IntArg(info, 2, &expected) ||
      !DeadlineArg(info, 3, &has_deadline, &deadline)) {
    return;
  }
  int result = FutexWait(addr, static_cast<int32_t>(expected), has_deadline ? &deadline : nullptr);
  if (result < 0) return ThrowErrno(isolate, -result, "futex");
  info.GetReturnValue().Set(v8::String::NewFromUtf8(isolate, ResultName(result)).ToLocalChecked());
}

// futexWait(view, index, expected, timeoutMs?, order?, exclusive?, recheck?) → Promise<'ok' | 'not-equal' | 'timed-out'>
void WaitAsync(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  AddonState* state = StateOf(info);
  auto request = std::make_unique<WaitRequest>();
  int64_t expected;
  if (!WordArg(info, &request->addr, &request->store) || !IntArg(info, 2, &expected) ||
      !DeadlineArg(info, 3, &request->has_deadline, &request->deadline)) {
    return;
  }
  request->expected = static_cast<int32_t>(expected);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Promise::Resolver> resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  // Settle at once what needs no thread: a differing word, or a zero timeout.
  bool differs = __atomic_load_n(request->addr, __ATOMIC_SEQ_CST) != request->expected;
  if (differs || (request->has_deadline && DeadlinePassed(request->deadline))) {
    resolver
        ->Resolve(context, v8::String::NewFromUtf8(isolate, differs ? "not-equal" : "timed-out")
                               .ToLocalChecked())
        .Check();
    info.GetReturnValue().Set(resolver->GetPromise());
    return;
  }
  uint32_t id = state->next_id++;
  if (id == 0) id = state->next_id++;
  request->id = id;
  request->order = info[4]->IsNumber() ? info[4].As<v8::Number>()->Value() : id;
  request->exclusive = info[5]->IsTrue();
  request->recheck = request->exclusive && info[6]->IsTrue();
  int err = state->waiters->Submit(std::move(request));
  if (err == EAGAIN) {
    // A RangeError with a code, so that callers can tell "wait some other way" from a bug.
    v8::Local<v8::Value> error = v8::Exception::RangeError(
        v8::String::NewFromUtf8(isolate, state->waiters->LimitMessage()).ToLocalChecked());
    error.As<v8::Object>()
        ->Set(context, v8::String::NewFromUtf8Literal(isolate, "code"),
              v8::String::NewFromUtf8Literal(isolate, "ERR_MP_TOO_MANY_WAITS"))
        .Check();
    isolate->ThrowException(error);
    return;
  }
  if (err != 0) return ThrowErrno(isolate, err, "pthread_create");
  state->pending.emplace(id, v8::Global<v8::Promise::Resolver>(isolate, resolver));
  info.GetReturnValue().Set(resolver->GetPromise());
}

// futexWake(view, index, count) → number of waiters woken
void Wake(const v8::FunctionCallbackInfo<v8::Value>& info) {
  int32_t* addr;
  if (!WordArg(info, &addr, nullptr)) return;
  double count = info[2]->IsNumber() ? info[2].As<v8::Number>()->Value() : 0;
  int n = count >= INT_MAX ? INT_MAX : count < 0 ? 0 : static_cast<int>(count);
  int woken = FutexWake(addr, n);
  if (woken < 0) return ThrowErrno(info.GetIsolate(), -woken, "futex");
  info.GetReturnValue().Set(woken);
}

// pendingWaits() → number of async waits of this thread not yet settled (for tests and stats)
void PendingWaits(const v8::FunctionCallbackInfo<v8::Value>& info) {
  info.GetReturnValue().Set(static_cast<uint32_t>(StateOf(info)->pending.size()));
}

}  // namespace

void InitFutex(v8::Local<v8::Object> exports, AddonState* state) {
  SetMethod(exports, state, "futexWaitSync", WaitSync);
  SetMethod(exports, state, "futexWait", WaitAsync);
  SetMethod(exports, state, "futexWake", Wake);
  SetMethod(exports, state, "pendingWaits", PendingWaits);
}

}  // namespace multiproc
