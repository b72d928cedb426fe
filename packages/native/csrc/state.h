// Per-environment state of the addon and the helpers every concern file shares.
//
// Node runs one environment per thread (the main thread and each worker_thread), and each loads
// the addon separately, so nothing lives in statics: `AddonState` is created by the module
// initializer for its environment and torn down by that environment's cleanup hook.
#ifndef MULTIPROC_STATE_H_
#define MULTIPROC_STATE_H_

#include <node.h>
#include <uv.h>
#include <v8.h>
#include <v8-version.h>

#include <pthread.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace multiproc {

class WaiterPool;

struct AddonState {
  AddonState();
  ~AddonState();  // in waiter.cc, where WaiterPool is complete

  v8::Isolate* isolate = nullptr;
  uv_loop_t* loop = nullptr;
  v8::Global<v8::Context> context;
  // Promise resolvers of the pending async waits, by request id; touched on the loop thread only.
  std::unordered_map<uint32_t, v8::Global<v8::Promise::Resolver>> pending;
  uint32_t next_id = 1;
  std::unique_ptr<WaiterPool> waiters;
  bool closing = false;
  node::AsyncCleanupHookHandle cleanup_hook;
};

// Registration entry points, one per concern file.
void InitShm(v8::Local<v8::Object> exports, AddonState* state);
void InitFd(v8::Local<v8::Object> exports, AddonState* state);
void InitFutex(v8::Local<v8::Object> exports, AddonState* state);
void InitProcess(v8::Local<v8::Object> exports, AddonState* state);
void InitSocket(v8::Local<v8::Object> exports, AddonState* state);
void InitWarm(v8::Local<v8::Object> exports, AddonState* state);
void InitBody(v8::Local<v8::Object> exports, AddonState* state);

// Waiter pool lifecycle (waiter.cc): created at init, shut down by the cleanup hook.
void StartWaiters(AddonState* state);
void StopWaiters(AddonState* state, void (*done)(void*), void* done_arg);

// V8 14 (Node 26) tags external pointers and deprecates the untagged calls; older V8 has no
// tags. One tag for the only C++ type this addon wraps.
#if V8_MAJOR_VERSION >= 14
constexpr v8::ExternalPointerTypeTag kStateTag = 1;
inline v8::Local<v8::External> WrapState(v8::Isolate* isolate, AddonState* state) {
  return v8::External::New(isolate, state, kStateTag);
}
inline AddonState* UnwrapState(v8::Local<v8::External> external) {
  return static_cast<AddonState*>(external->Value(kStateTag));
}
#else
inline v8::Local<v8::External> WrapState(v8::Isolate* isolate, AddonState* state) {
  return v8::External::New(isolate, state);
}
inline AddonState* UnwrapState(v8::Local<v8::External> external) {
  return static_cast<AddonState*>(external->Value());
}
#endif

inline AddonState* StateOf(const v8::FunctionCallbackInfo<v8::Value>& info) {
  return UnwrapState(info.Data().As<v8::External>());
}

inline void SetMethod(v8::Local<v8::Object> exports, AddonState* state, const char* name,
                      v8::FunctionCallback callback) {
  v8::Isolate* isolate = state->isolate;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::FunctionTemplate> tpl =
      v8::FunctionTemplate::New(isolate, callback, WrapState(isolate, state));
  v8::Local<v8::Function> fn = tpl->GetFunction(context).ToLocalChecked();
  v8::Local<v8::String> key = v8::String::NewFromUtf8(isolate, name).ToLocalChecked();
  fn->SetName(key);
  exports->Set(context, key, fn).Check();
}

inline void ThrowTypeError(v8::Isolate* isolate, const char* message) {
  isolate->ThrowException(
      v8::Exception::TypeError(v8::String::NewFromUtf8(isolate, message).ToLocalChecked()));
}

inline void ThrowRangeError(v8::Isolate* isolate, const char* message) {
  isolate->ThrowException(
      v8::Exception::RangeError(v8::String::NewFromUtf8(isolate, message).ToLocalChecked()));
}

// Throws an Error carrying `code` (`ENOENT`…), `errno`, `syscall` and `path`, like Node's own.
inline void ThrowErrno(v8::Isolate* isolate, int err, const char* syscall,
                       const char* path = nullptr) {
  isolate->ThrowException(node::ErrnoException(isolate, err, syscall, nullptr, path));
}

// A hint to the CPU, inside a busy-wait loop, that this thread is spinning.
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Nanoseconds on the steady clock (CLOCK_MONOTONIC).
inline int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

template <typename T, void (*Run)(T*)>
void* RunThread(void* arg) {
  Run(static_cast<T*>(arg));
  return nullptr;
}

// Runs Run(arg) on a detached helper thread. False when no thread could be had (a limit on
// threads): pthread_create reports that, where std::thread would abort the process (the addon is
// built without exceptions).
template <typename T, void (*Run)(T*)>
bool StartDetached(T* arg) {
  pthread_t thread;
  if (pthread_create(&thread, nullptr, RunThread<T, Run>, arg) != 0) return false;
  pthread_detach(thread);
  return true;
}

// Reads an integer argument the JavaScript layer has already validated.
inline bool IntArg(const v8::FunctionCallbackInfo<v8::Value>& info, int index, int64_t* out) {
  if (!info[index]->IsNumber()) {
    ThrowTypeError(info.GetIsolate(), "expected a number argument");
    return false;
  }
  double value = info[index].As<v8::Number>()->Value();
  if (value != static_cast<double>(static_cast<int64_t>(value))) {
    ThrowTypeError(info.GetIsolate(), "expected an integer argument");
    return false;
  }
  *out = static_cast<int64_t>(value);
  return true;
}

}  // namespace multiproc

#endif  // MULTIPROC_STATE_H_
