// Unix sockets: socketpair for Pipe(), and blocking listen/connect for the resource tracker. Node's net module only connects
// asynchronously, but a segment must be registered with the tracker before the synchronous
// SharedMemory constructor returns; a blocking connect plus fs.writeSync does that.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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

}  // namespace

void InitSocket(v8::Local<v8::Object> exports, AddonState* state) {
  SetMethod(exports, state, "unixListen", Listen);
  SetMethod(exports, state, "unixConnect", Connect);
  SetMethod(exports, state, "socketpair", Pair);
}

}  // namespace multiproc
