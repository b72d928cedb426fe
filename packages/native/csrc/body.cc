// allocBody(size): memory for one large received message, recycled once JavaScript drops it.
//
// Why. A connection reads a large message straight into a buffer of its exact size. With
// `Buffer.allocUnsafe`, glibc serves sizes over its mmap threshold with a fresh mmap, so every
// message pays one page fault per 4 KiB as the kernel copies into it: on a VM about half the
// time of receiving 1 MiB messages over a socket (measured: 0.6-0.8 GB/s, against 0.95-1.3 GB/s
// when malloc was told to reuse memory). Here the backing store's deleter (run when V8 collects
// the buffer) keeps the pages for the next message instead of unmapping them, up to
// `kCacheMax` bytes per process; cached pages are marked MADV_FREE, so under memory pressure
// the kernel may take them back rather than swap anything out.
//
// The cache is process-wide (every environment shares it) and never destroyed: deleters may run
// on any thread, at any time up to process exit.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <mutex>
#include <vector>

#include "state.h"

namespace multiproc {
namespace {

constexpr size_t kCacheMax = 64u << 20;
constexpr size_t kMinBody = 256u << 10;

struct Block {
  void* data;
  size_t capacity;
};

struct BodyCache {
  std::mutex mutex;
  std::vector<Block> free;
  size_t cached = 0;
};

BodyCache& Cache() {
  static BodyCache* cache = new BodyCache();  // never destroyed, see the file comment
  return *cache;
}

size_t PageRound(size_t size) {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (size + page - 1) / page * page;
}

void Release(void* data, size_t length, void* capacity_cookie) {
  const size_t capacity = reinterpret_cast<uintptr_t>(capacity_cookie);
  BodyCache& cache = Cache();
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    if (cache.cached + capacity <= kCacheMax) {
#ifdef MADV_FREE
      madvise(data, capacity, MADV_FREE);
#endif
      cache.free.push_back({data, capacity});
      cache.cached += capacity;
      return;
    }
  }
  munmap(data, capacity);
}

// The smallest cached block of at least `size` bytes and at most twice that, or a new mapping.
Block Take(size_t size) {
  BodyCache& cache = Cache();
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    size_t best = cache.free.size();
    for (size_t i = 0; i < cache.free.size(); i++) {
      const size_t c = cache.free[i].capacity;
      if (c >= size && c <= 2 * size && (best == cache.free.size() || c < cache.free[best].capacity)) {
        best = i;
      }
    }
    if (best != cache.free.size()) {
      Block block = cache.free[best];
      cache.free[best] = cache.free.back();
      cache.free.pop_back();
      cache.cached -= block.capacity;
      return block;
    }
  }
  const size_t capacity = PageRound(size);
  void* data = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return {data == MAP_FAILED ? nullptr : data, capacity};
}

// allocBody(size) → an ArrayBuffer of exactly `size` bytes (contents unspecified), or undefined
// below kMinBody, where malloc does well on its own.
void AllocBody(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  int64_t size;
  if (!IntArg(info, 0, &size)) return;
  if (size < static_cast<int64_t>(kMinBody)) return;
  Block block = Take(static_cast<size_t>(size));
  if (block.data == nullptr) return ThrowErrno(isolate, errno, "mmap");
  std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(
      block.data, static_cast<size_t>(size), Release,
      reinterpret_cast<void*>(static_cast<uintptr_t>(block.capacity)));
  info.GetReturnValue().Set(v8::ArrayBuffer::New(isolate, std::move(store)));
}

// bodyCacheBytes() → bytes of dropped bodies kept for reuse (for tests and diagnostics).
void BodyCacheBytes(const v8::FunctionCallbackInfo<v8::Value>& info) {
  BodyCache& cache = Cache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  info.GetReturnValue().Set(static_cast<double>(cache.cached));
}

}  // namespace

void InitBody(v8::Local<v8::Object> exports, AddonState* state) {
  SetMethod(exports, state, "allocBody", AllocBody);
  SetMethod(exports, state, "bodyCacheBytes", BodyCacheBytes);
}

}  // namespace multiproc
