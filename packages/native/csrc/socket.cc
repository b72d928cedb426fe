// Unix sockets: socketpair for Pipe(), and blocking listen/connect for the resource tracker. Node's net module only connects
// asynchronously, but a segment must be registered with the tracker before the synchronous
// SharedMemory constructor returns; a blocking connect plus fs.writeSync does that.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "state.h"

namespace multiproc {
namespace {

bool Address(const v8::FunctionCallbackInfo<v8::Value>& info, sockaddr_un* addr) {
  v8::Isolate* isolate = info.GetIsolate();
  if (!info[0]->IsString()) {
    ThrowTypeError(isolate, "path must be a string");
    return false;
  }
  v8::String::Utf8Value path(isolate, info[0]);
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (static_cast<size_t>(path.length()) >= sizeof addr->sun_path) {
    ThrowErrno(isolate, ENAMETOOLONG, "bind", *path);
    return false;
  }
  memcpy(addr->sun_path, *path, static_cast<size_t>(path.length()));
  return true;
}

int NewSocket() {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

// unixListen(path) → fd of a listening socket bound at path
void Listen(const v8::FunctionCallbackInfo<v8::Value>& info) {
  sockaddr_un addr;
  if (!Address(info, &addr)) return;
  int fd = NewSocket();
  if (fd < 0) return ThrowErrno(info.GetIsolate(), errno, "socket");
  const char* failed = nullptr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    failed = "bind";
  } else if (listen(fd, 128) != 0) {
    failed = "listen";
  }
  if (failed != nullptr) {
    int err = errno;
    close(fd);
    return ThrowErrno(info.GetIsolate(), err, failed, addr.sun_path);
  }
  info.GetReturnValue().Set(fd);
}

// unixConnect(path) → fd of a connected (blocking) socket
void Connect(const v8::FunctionCallbackInfo<v8::Value>& info) {
  sockaddr_un addr;
  if (!Address(info, &addr)) return;
  int fd = NewSocket();
  if (fd < 0) return ThrowErrno(info.GetIsolate(), errno, "socket");
  int rc;
  do {
    rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    close(fd);
    return ThrowErrno(info.GetIsolate(), err, "connect", addr.sun_path);
  }
  info.GetReturnValue().Set(fd);
}

// socketpair() → [fd, fd]: two connected Unix stream sockets, close-on-exec. Node has no
// socketpair, and `Pipe()` must hand back two connected ends synchronously.
void Pair(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  int fds[2];
  int type = SOCK_STREAM;
#ifdef SOCK_CLOEXEC
  type |= SOCK_CLOEXEC;
#endif
  if (socketpair(AF_UNIX, type, 0, fds) != 0) return ThrowErrno(isolate, errno, "socketpair");
#ifndef SOCK_CLOEXEC
  fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  fcntl(fds[1], F_SETFD, FD_CLOEXEC);
#endif
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Array> out = v8::Array::New(isolate, 2);
  out->Set(context, 0, v8::Integer::New(isolate, fds[0])).Check();
  out->Set(context, 1, v8::Integer::New(isolate, fds[1])).Check();
  info.GetReturnValue().Set(out);
}

// readWait(fd, target, offset, length, spinMicros) → bytes read, 0 at end of file.
//
// A blocking read that first spins: it retries a non-blocking read for up to `spinMicros`
// before sleeping in poll(2). A reader that went to sleep is woken by the kernel when data
// arrives, and that wake-up costs 10-30 µs on a VM (an idle vCPU halts and needs an
// inter-processor interrupt); a peer that answers within the spin never pays it. The descriptor
// stays in whatever mode libuv left it (non-blocking), so no fcntl round trips either.
void ReadWait(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  int64_t fd, offset, length, spin_us;
  if (!IntArg(info, 0, &fd) || !IntArg(info, 2, &offset) || !IntArg(info, 3, &length) ||
      !IntArg(info, 4, &spin_us)) {
    return;
  }
  if (!info[1]->IsArrayBufferView()) return ThrowTypeError(isolate, "target must be an ArrayBufferView");
  v8::Local<v8::ArrayBufferView> target = info[1].As<v8::ArrayBufferView>();
  if (offset < 0 || length <= 0 || static_cast<size_t>(offset + length) > target->ByteLength()) {
    return ThrowRangeError(isolate, "readWait: range out of bounds");
  }
  char* data = static_cast<char*>(target->Buffer()->GetBackingStore()->Data()) +
               target->ByteOffset() + offset;
  const int handle = static_cast<int>(fd);
  const size_t size = static_cast<size_t>(length);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(spin_us);
  bool spinning = spin_us > 0;
  for (;;) {
    ssize_t n = read(handle, data, size);
    if (n >= 0) return info.GetReturnValue().Set(static_cast<double>(n));
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return ThrowErrno(isolate, errno, "read");
    if (spinning) {
      for (int i = 0; i < 32; i++) CpuRelax();
      spinning = std::chrono::steady_clock::now() < deadline;
      continue;
    }
    pollfd p = {handle, POLLIN, 0};
    if (poll(&p, 1, -1) < 0 && errno != EINTR) return ThrowErrno(isolate, errno, "poll");
  }
}

}  // namespace

void InitSocket(v8::Local<v8::Object> exports, AddonState* state) {
  SetMethod(exports, state, "unixListen", Listen);
  SetMethod(exports, state, "unixConnect", Connect);
  SetMethod(exports, state, "socketpair", Pair);
  SetMethod(exports, state, "readWait", ReadWait);
}

}  // namespace multiproc
