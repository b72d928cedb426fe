// allocBody(size): memory for one large received message, recycled once JavaScript drops it.
//
// Why. A connection reads a large message straight into a buffer of its exact size. With
// `Buffer.allocUnsafe`, glibc serves sizes over its mmap threshold with a fresh mmap, so every
// message pays one page fault per 4 KiB as the kernel copies into it: on a VM about half the
// time of receiving 1 MiB messages over a socket (measured: 0.6-0.8 GB/s, against 0.95-1.3 GB/s
// when malloc was told to reuse memory). Here the backing store's deleter (run when V8 collects
// the buffer) keeps the pages for the next message instead of unmapping them, up to
// `kCacheMax` bytes per process.
//
// Three measured choices (2-vCPU VM, 1 MiB per message):
// - The most recently dropped block is reused first: its lines are the likeliest to be cached.
// - A dropped block stays as it is while it may soon be reused. Only a block left unused for
//   `kTrimAfterMs` is marked MADV_FREE (so that under memory pressure the kernel may take it
//   back rather than swap anything out), by a helper thread that otherwise sleeps. Marking
//   every block as it was dropped cost ~90 µs per MiB (the call, its TLB flush, and the
//   re-dirtying write): receiving 1 MiB messages went from ~1.2 to ~2.0 GB/s without it.
// - A new mapping of up to `kPopulateMax` bytes is populated at once (MAP_POPULATE): 160 µs per
//   MiB against 340-480 µs for one fault per page (64 MiB messages: 0.95 → 1.3 GB/s). Larger
//   ones are left to fault as the reads fill them, so that a huge message never blocks the event
//   loop for more than one populate of kPopulateMax (~10 ms).
//
// The cache is process-wide (every environment shares it) and never destroyed: deleters may run
// on any thread, at any time up to process exit, and the trimming thread lives as long as the
// process.
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "state.h"

namespace multiproc {
namespace {

constexpr size_t kCacheMax = 64u << 20;
constexpr size_t kMinBody = 256u << 10;
constexpr size_t kPopulateMax = 64u << 20;
constexpr int64_t kTrimAfterMs = 1000;

struct Block {
  void* data;
  size_t capacity;
  int64_t dropped_ms;  // steady clock, when it entered the cache
  bool advised;        // marked MADV_FREE: its pages may be gone (the next write re-faults them)
};

// Free blocks, cold (advised) ones first and the most recently dropped last.
struct BodyCache {
  std::mutex mutex;
  std::condition_variable dropped;
  std::once_flag trimmer;
  bool trimming = false;      // the trimming thread started
  bool trimmer_idle = false;  // waiting with nothing to trim: a drop must wake it
  std::vector<Block> free;
  size_t cached = 0;
};

BodyCache& Cache() {
  static BodyCache* cache = new BodyCache();  // never destroyed, see the file comment
  return *cache;
}

int64_t NowMs() { return SteadyNowNs() / 1000000; }

size_t PageRound(size_t size) {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (size + page - 1) / page * page;
}

// The trimming thread: marks blocks left unused for kTrimAfterMs as MADV_FREE, then sleeps until
// the next block could need it.
void Trim(BodyCache* cache) {
  std::unique_lock<std::mutex> lock(cache->mutex);
  for (;;) {
    int64_t oldest = -1;
    for (const Block& block : cache->free) {
      if (!block.advised && (oldest < 0 || block.dropped_ms < oldest)) oldest = block.dropped_ms;
    }
    if (oldest < 0) {
      cache->trimmer_idle = true;
      cache->dropped.wait(lock);
      cache->trimmer_idle = false;
      continue;
    }
    const int64_t due = oldest + kTrimAfterMs;
    if (NowMs() < due) {
      cache->dropped.wait_for(lock, std::chrono::milliseconds(due - NowMs()));
      continue;
    }
    // Take the stale blocks out while advising them (without the lock: a Take or a Release must
    // not wait on madvise), then put them back at the cold end. They still count as cached.
    const int64_t now = NowMs();
    std::vector<Block> stale;
    std::vector<Block> fresh;
    for (const Block& block : cache->free) {
      (!block.advised && now - block.dropped_ms >= kTrimAfterMs ? stale : fresh).push_back(block);
    }
    cache->free.swap(fresh);
    lock.unlock();
    for (Block& block : stale) {
#ifdef MADV_FREE
      madvise(block.data, block.capacity, MADV_FREE);
#endif
      block.advised = true;
    }
    lock.lock();
    cache->free.insert(cache->free.begin(), stale.begin(), stale.end());
  }
}

// Whether the trimming thread runs (started on the first drop). Called with the lock held.
// Without one (no thread to be had), blocks are marked as they are dropped.
bool Trimming(BodyCache& cache) {
  std::call_once(cache.trimmer,
                 [&cache] { cache.trimming = StartDetached<BodyCache, Trim>(&cache); });
  return cache.trimming;
}

void Release(void* data, size_t length, void* capacity_cookie) {
  const size_t capacity = reinterpret_cast<uintptr_t>(capacity_cookie);
  BodyCache& cache = Cache();
  std::unique_lock<std::mutex> lock(cache.mutex);
  if (cache.cached + capacity > kCacheMax) {
    lock.unlock();
    munmap(data, capacity);
    return;
  }
  cache.cached += capacity;
  if (Trimming(cache)) {
    cache.free.push_back({data, capacity, NowMs(), false});
    if (cache.trimmer_idle) cache.dropped.notify_one();
    return;
  }
  // Marked before it is in the list: advising a block someone took back could drop their data.
  lock.unlock();
#ifdef MADV_FREE
  madvise(data, capacity, MADV_FREE);
#endif
  lock.lock();
  cache.free.insert(cache.free.begin(), {data, capacity, NowMs(), true});
}

// The smallest cached block of at least `size` bytes and at most twice that (the most recently
// dropped of equals), or a new mapping.
Block Take(size_t size) {
  BodyCache& cache = Cache();
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    const size_t none = cache.free.size();
    size_t best = none;
    for (size_t i = cache.free.size(); i-- > 0;) {
      const size_t c = cache.free[i].capacity;
      if (c >= size && c <= 2 * size && (best == none || c < cache.free[best].capacity)) best = i;
    }
    if (best != none) {
      Block block = cache.free[best];
      cache.free.erase(cache.free.begin() + static_cast<std::ptrdiff_t>(best));
      cache.cached -= block.capacity;
      return block;
    }
  }
  const size_t capacity = PageRound(size);
  const int populate = capacity <= kPopulateMax ? MAP_POPULATE : 0;
  void* data = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | populate,
                    -1, 0);
  return {data == MAP_FAILED ? nullptr : data, capacity, 0, false};
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
