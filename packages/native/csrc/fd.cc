// File descriptor odds and ends Node's fs module does not offer: flock(2), FD_CLOEXEC, dup(2).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "state.h"

namespace multiproc {
namespace {

// closeFd(fd)
void CloseFd(const v8::FunctionCallbackInfo<v8::Value>& info) {
  int64_t fd;
  if (!IntArg(info, 0, &fd)) return;
  if (close(static_cast<int>(fd)) != 0) ThrowErrno(info.GetIsolate(), errno, "close");
}

// flock(fd, 'shared' | 'exclusive' | 'unlock', wait) → true, or false when !wait and it is held
void Flock(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  int64_t fd;
  if (!IntArg(info, 0, &fd)) return;
  v8::String::Utf8Value mode(isolate, info[1]);
  std::string m = *mode ? *mode : "";
  int op = m == "shared" ? LOCK_SH : m == "exclusive" ? LOCK_EX : m == "unlock" ? LOCK_UN : -1;
  if (op < 0) return ThrowTypeError(isolate, "mode must be 'shared', 'exclusive' or 'unlock'");
  if (!info[2]->BooleanValue(isolate)) op |= LOCK_NB;
  int rc;
  do {
    rc = flock(static_cast<int>(fd), op);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) return info.GetReturnValue().Set(true);
  if (errno == EWOULDBLOCK) return info.GetReturnValue().Set(false);
  ThrowErrno(isolate, errno, "flock");
}

// setCloexec(fd, on): whether exec'd children inherit the descriptor.
void SetCloexec(const v8::FunctionCallbackInfo<v8::Value>& info) {
  int64_t fd;
  if (!IntArg(info, 0, &fd)) return;
  int flags = fcntl(static_cast<int>(fd), F_GETFD);
  if (flags < 0) return ThrowErrno(info.GetIsolate(), errno, "fcntl");
  flags = info[1]->BooleanValue(info.GetIsolate()) ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
  if (fcntl(static_cast<int>(fd), F_SETFD, flags) != 0) {
    ThrowErrno(info.GetIsolate(), errno, "fcntl");
  }
}

// dupFd(fd) → a new descriptor for the same open file (close-on-exec). A thread that receives
// a socket or memfd from another thread of the process gets its own descriptor this way, so the
// sender closing its copy cannot pull it from under the receiver.
void DupFd(const v8::FunctionCallbackInfo<v8::Value>& info) {
  int64_t fd;
  if (!IntArg(info, 0, &fd)) return;
  int copy = fcntl(static_cast<int>(fd), F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return ThrowErrno(info.GetIsolate(), errno, "dup");
  info.GetReturnValue().Set(copy);
}

}  // namespace

void InitFd(v8::Local<v8::Object> exports, AddonState* state) {
  SetMethod(exports, state, "closeFd", CloseFd);
  SetMethod(exports, state, "flock", Flock);
  SetMethod(exports, state, "setCloexec", SetCloexec);
  SetMethod(exports, state, "dupFd", DupFd);
}

}  // namespace multiproc
