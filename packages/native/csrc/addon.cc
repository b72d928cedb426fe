// Registration only: one AddonState per environment, each concern adds its functions, and the
// environment's async cleanup hook stops the waiter threads and closes every uv handle so that a
// worker_thread exits cleanly (a handle left open aborts Node in uv_loop_close).
#include <dlfcn.h>

#include "state.h"

namespace multiproc {
namespace {

// Node unloads an addon when the last environment that loaded it ends (a worker_thread, say),
// but SharedArrayBuffers created here can outlive that environment in V8's heap teardown and
// their deleter (munmap, in this library) would then jump into unmapped code. Pinning the
// library for the life of the process (RTLD_NODELETE) keeps every deleter callable.
void PinLibrary() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&PinLibrary), &info) != 0 && info.dli_fname != nullptr) {
    dlopen(info.dli_fname, RTLD_LAZY | RTLD_NODELETE);
  }
}

void Cleanup(void* arg, void (*done)(void*), void* done_arg) {
  auto* state = static_cast<AddonState*>(arg);
  state->closing = true;
  for (auto& entry : state->pending) entry.second.Reset();
  state->pending.clear();
  state->context.Reset();
  StopWaiters(state, done, done_arg);  // calls done(done_arg) once the uv handle is closed
}

}  // namespace
}  // namespace multiproc

NODE_MODULE_INIT(/* exports, module, context */) {
  using namespace multiproc;
  PinLibrary();
  auto* state = new AddonState();
  // Context::GetIsolate is gone in V8 14 (Node 26); the initializer runs inside its isolate.
  state->isolate = v8::Isolate::GetCurrent();
  state->loop = node::GetCurrentEventLoop(state->isolate);
  state->context.Reset(state->isolate, context);
  StartWaiters(state);
  // The state is freed by the hook, once the waiter threads are joined and the uv handle closed.
  state->cleanup_hook = node::AddEnvironmentCleanupHook(state->isolate, Cleanup, state);
  InitShm(exports, state);
  InitFd(exports, state);
  InitFutex(exports, state);
  InitProcess(exports, state);
  InitSocket(exports, state);
  InitWarm(exports, state);
  InitBody(exports, state);
}
