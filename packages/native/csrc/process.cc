// Process liveness by pid, and the parent-death signal.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "state.h"

namespace multiproc {
namespace {

// A zombie (exited, not yet reaped) still answers kill(pid, 0); it counts as dead here.
bool IsZombie(int pid) {
#if defined(__linux__)
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* file = fopen(path, "re");
  if (file == nullptr) return false;
  char buf[512];
  size_t n = fread(buf, 1, sizeof buf - 1, file);
  fclose(file);
  buf[n] = '\0';
  // "pid (comm) S ...": comm may hold spaces and parentheses, so look after the last ')'.
  const char* close_paren = nullptr;
  for (const char* p = buf; *p != '\0'; ++p) {
    if (*p == ')') close_paren = p;
  }
  return close_paren != nullptr && close_paren[1] == ' ' &&
         (close_paren[2] == 'Z' || close_paren[2] == 'X');
#else
  (void)pid;
  return false;
#endif
}

// isProcessAlive(pid) → boolean
void IsAlive(const v8::FunctionCallbackInfo<v8::Value>& info) {
  int64_t pid;
  if (!IntArg(info, 0, &pid)) return;
  if (pid <= 0 || pid > 0x7fffffff) return info.GetReturnValue().Set(false);
  int rc = kill(static_cast<pid_t>(pid), 0);
  bool alive = (rc == 0 || errno == EPERM) && !IsZombie(static_cast<int>(pid));
  info.GetReturnValue().Set(alive);
}

// setParentDeathSignal(signal) → true where the platform supports it (Linux), else false.
void SetParentDeathSignal(const v8::FunctionCallbackInfo<v8::Value>& info) {
  int64_t signal;
  if (!IntArg(info, 0, &signal)) return;
#if defined(__linux__)
  if (prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(signal)) != 0) {
    return ThrowErrno(info.GetIsolate(), errno, "prctl");
  }
  info.GetReturnValue().Set(true);
#else
  info.GetReturnValue().Set(false);
#endif
}

// The one deliberately process-wide piece of state: a small string map every thread of the process
// sees (each worker_thread has its own globalThis and its own copy of process.env). It holds what
// must exist once per process, such as the resource tracker connection.
struct ProcessSlots {
  std::mutex mu;
  std::map<std::string, std::string> values;
};

ProcessSlots& Slots() {
  static ProcessSlots* slots = new ProcessSlots();  // never destroyed: threads may outlive exit()
  return *slots;
}

// processSlot(key, value?) → the slot's value after the call. With `value`, sets it only when
// the slot is empty (so concurrent threads agree on the first value).
void ProcessSlot(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (!info[0]->IsString()) return ThrowTypeError(isolate, "key must be a string");
  v8::String::Utf8Value key(isolate, info[0]);
  ProcessSlots& slots = Slots();
  std::lock_guard<std::mutex> lock(slots.mu);
  auto it = slots.values.find(*key);
  if (it == slots.values.end() && info[1]->IsString()) {
    v8::String::Utf8Value value(isolate, info[1]);
    it = slots.values.emplace(*key, *value).first;
  }
  if (it == slots.values.end()) return info.GetReturnValue().SetUndefined();
  info.GetReturnValue().Set(v8::String::NewFromUtf8(isolate, it->second.c_str()).ToLocalChecked());
}

}  // namespace

void InitProcess(v8::Local<v8::Object> exports, AddonState* state) {
  SetMethod(exports, state, "isProcessAlive", IsAlive);
  SetMethod(exports, state, "setParentDeathSignal", SetParentDeathSignal);
  SetMethod(exports, state, "processSlot", ProcessSlot);
}

}  // namespace multiproc
