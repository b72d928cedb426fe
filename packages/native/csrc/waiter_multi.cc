// MultiWaiters: async futex waits multiplexed with futex_waitv (Linux >= 5.16).
//
// A group is one thread sleeping in futex_waitv on up to kSlots distinct words (slots) plus its
// control word; a new group (thread) is started per kSlots of them. Add puts a wait in its slot
// and, when the thread's set of words or its deadline must change, bumps the control word and
// wakes it; the thread rebuilds its set and sleeps again.
//
// futex_waitv reports one woken word per return, so after each return every slot's word is
// compared with its value too: a slot is settled when it was woken or its word changed.
// - Ordinary waits share a slot per (word, value) and are all settled together ('ok' or
//   'not-equal'); the JavaScript above re-checks its word after any wake-up.
// - Exclusive waits (a lock or a semaphore count: one wake-up is for one waiter, and the waiter it
//   reaches changes the word when it proceeds) share one slot per word whatever value they saw,
//   and are settled one at a time, the first in line (lowest order) first, as separate kernel
//   waiters would be woken. Without that, each release of a lock that N waits of this thread
//   want would settle all N (N^2 re-checks for N releases), and a waiter re-checking out of turn
//   could take the lock past the ones before it. Once its head is settled the slot is disarmed:
//   the value its waits saw is stale, and the word as it is now may be one no waker will wake
//   (a free lock), so the rest wait out of the kernel until a wait of this thread on the word
//   arrives with a value that JavaScript saw (the head coming back, having found the lock taken)
//   and arms the slot again. If none arrives by the end of the delivery (the head took the lock),
//   the next in line is settled (AfterDelivery), and so on.
//
// Free entries of the 128 are filled with repeats of slots holding several waits, so that
// futexWake's count of woken waiters includes them (up to what fits).
#include "waiter.h"

#include <algorithm>
#include <climits>
#include <unordered_map>

#include "futex_platform.h"

#if defined(__linux__)

namespace multiproc {
namespace {

constexpr int64_t kNever = INT64_MAX;
// Deadlines this close together end in one wake-up of the thread (a timeout ends that much late
// at most, never early).
constexpr int64_t kSlackNs = 250 * 1000;

int64_t Nanos(const timespec& t) { return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec; }

int64_t MonotonicNowNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return Nanos(now);
}

struct Queued {
  std::unique_ptr<WaitRequest> request;
  int64_t deadline;  // ns on CLOCK_MONOTONIC, or kNever
  int64_t slice;     // a re-check's period (ns): it restarts when the wait comes first in line
};
using Queue = std::vector<Queued>;  // first in line (lowest order) first

// (word, value, exclusive); an exclusive slot's key has value 0, whatever its waits saw.
struct Key {
  int32_t* addr;
  int32_t value;
  bool exclusive;
  bool operator==(const Key& o) const {
    return addr == o.addr && value == o.value && exclusive == o.exclusive;
  }
};

struct KeyHash {
  size_t operator()(const Key& key) const {
    return std::hash<uintptr_t>()(reinterpret_cast<uintptr_t>(key.addr)) ^
           (static_cast<size_t>(static_cast<uint32_t>(key.value)) * 0x9e3779b97f4a7c15ULL) ^
           static_cast<size_t>(key.exclusive);
  }
};

// The first deadline that ends a wait of `queue`: a re-check (WaitRequest::recheck) counts only
// for the first in line.
int64_t Earliest(const Queue& queue) {
  int64_t earliest = kNever;
  for (size_t i = 0; i < queue.size(); i++) {
    if (i == 0 || !queue[i].request->recheck) earliest = std::min(earliest, queue[i].deadline);
  }
  return earliest;
}

class MultiWaiters final : public WaiterPool {
 public:
  static constexpr size_t kSlots = kWaitvMax - 1;  // one entry is the control word
  static constexpr size_t kMaxGroups = 64;

  explicit MultiWaiters(AddonState* state) : WaiterPool(state) {}
  const char* LimitMessage() const override {
    return "too many distinct words with pending async futex waits in this thread (the limit "
           "is 8128)";
  }

 protected:
  int Add(std::unique_ptr<WaitRequest> request) override;
  void StopThreads() override;
  void AfterDelivery(const std::vector<int32_t*>& addrs) override;

 private:
  struct Group;
  struct Slot {
    Group* group = nullptr;
    int32_t* addr = nullptr;
    int32_t expected = 0;
    bool exclusive = false;
    bool armed = true;  // false: an exclusive slot whose head is out (see the top)
    Queue queue;
    int64_t earliest = kNever;
    const WaitRequest* head = nullptr;  // the first in line when its re-check period started
    Key key() const { return {addr, exclusive ? 0 : expected, exclusive}; }
  };
  struct Group {
    MultiWaiters* pool = nullptr;
    pthread_t thread{};
    alignas(4) int32_t control = 0;  // bumped (atomically) to make the thread rebuild its set
    std::vector<std::unique_ptr<Slot>> slots;  // only the group's thread removes one
    size_t entries = 0;                        // entries of the current sleep
    int64_t sleep_until = kNever;              // deadline of the current sleep
  };

  static void* ThreadMain(void* arg);
  void Run(Group* group);
  // The rest with mu_ held (it guards everything here).
  Group* GroupWithRoom();  // nullptr when none could be had (start_error_ says why)
  Slot* SlotFor(const WaitRequest& request, bool* created);
  static void Enqueue(Slot* slot, Queued item);
  static void Promote(Slot* slot);
  static void Rouse(Group* group);
  void Settle(Slot* slot, int result);
  void SettleHead(Slot* slot, int result);
  void SettleExpired(Slot* slot, int64_t now);

  std::vector<std::unique_ptr<Group>> groups_;
  std::unordered_map<Key, Slot*, KeyHash> slots_;
  bool stopping_ = false;
  int start_error_ = 0;
};

void MultiWaiters::Rouse(Group* group) {
  __atomic_add_fetch(&group->control, 1, __ATOMIC_SEQ_CST);
  syscall(SYS_futex, &group->control, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

MultiWaiters::Group* MultiWaiters::GroupWithRoom() {
  for (auto& group : groups_) {
    if (group->slots.size() < kSlots) return group.get();
  }
  if (groups_.size() >= kMaxGroups) {
    start_error_ = EAGAIN;
    return nullptr;
  }
  auto fresh = std::make_unique<Group>();
  fresh->pool = this;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kStackSize);
  int err = pthread_create(&fresh->thread, &attr, ThreadMain, fresh.get());
  pthread_attr_destroy(&attr);
  if (err != 0) {
    start_error_ = err;
    return nullptr;
  }
  groups_.push_back(std::move(fresh));
  return groups_.back().get();
}

MultiWaiters::Slot* MultiWaiters::SlotFor(const WaitRequest& request, bool* created) {
  Key key{request.addr, request.exclusive ? 0 : request.expected, request.exclusive};
  auto it = slots_.find(key);
  *created = it == slots_.end();
  if (!*created) return it->second;
  Group* group = GroupWithRoom();
  if (group == nullptr) return nullptr;
  auto fresh = std::make_unique<Slot>();
  fresh->group = group;
  fresh->addr = request.addr;
  fresh->expected = request.expected;
  fresh->exclusive = request.exclusive;
  Slot* slot = fresh.get();
  group->slots.push_back(std::move(fresh));
  slots_.emplace(key, slot);
  return slot;
}

// After the first in line changed: a re-check of the new first starts its period now (it did
// not count while the wait was behind others).
void MultiWaiters::Promote(Slot* slot) {
  if (slot->queue.empty()) return;
  Queued& first = slot->queue.front();
  if (first.request.get() == slot->head) return;
  slot->head = first.request.get();
  if (first.request->recheck) first.deadline = MonotonicNowNs() + first.slice;
  slot->earliest = Earliest(slot->queue);
}

void MultiWaiters::Enqueue(Slot* slot, Queued item) {
  Queue& queue = slot->queue;
  double order = item.request->order;
  if (queue.empty() || queue.back().request->order <= order) {
    if (queue.empty() || !item.request->recheck) {
      slot->earliest = std::min(slot->earliest, item.deadline);
    }
    queue.push_back(std::move(item));
    return;
  }
  auto at = std::upper_bound(queue.begin(), queue.end(), order,
                             [](double o, const Queued& q) { return o < q.request->order; });
  queue.insert(at, std::move(item));
  slot->earliest = Earliest(queue);
}

int MultiWaiters::Add(std::unique_ptr<WaitRequest> request) {
  std::lock_guard<std::mutex> lock(mu_);
  bool created;
  Slot* slot = SlotFor(*request, &created);
  if (slot == nullptr) return start_error_;
  int64_t deadline = request->has_deadline ? Nanos(request->deadline) : kNever;
  Group* group = slot->group;
  // A new word, a repeat of the slot that fits in the current sleep, a sooner deadline, or an
  // exclusive slot whose word changed since its thread last looked all change what the thread
  // must do.
  bool rouse = created || group->entries < static_cast<size_t>(kWaitvMax) ||
               deadline < group->sleep_until || request->expected != slot->expected ||
               !slot->armed;
  if (!slot->armed) {
    slot->armed = true;
    slot->expected = request->expected;
  }
  int64_t slice = request->recheck && deadline != kNever ? deadline - MonotonicNowNs() : 0;
  Enqueue(slot, {std::move(request), deadline, slice});
  Promote(slot);
  if (rouse) Rouse(group);
  return 0;
}

void* MultiWaiters::ThreadMain(void* arg) {
  auto* group = static_cast<Group*>(arg);
  group->pool->Run(group);
  return nullptr;
}

void MultiWaiters::Settle(Slot* slot, int result) {
  if (slot->exclusive && result >= 0) {
    SettleHead(slot, result);
    return;
  }
  for (auto& item : slot->queue) {
    item.request->result = result;
    Finish(std::move(item.request));
  }
  slot->queue.clear();
  slot->earliest = kNever;
}

void MultiWaiters::SettleHead(Slot* slot, int result) {
  Queued& head = slot->queue.front();
  head.request->result = result;
  Finish(std::move(head.request));
  slot->queue.erase(slot->queue.begin());
  slot->armed = false;
  slot->earliest = Earliest(slot->queue);
  Promote(slot);
}

void MultiWaiters::AfterDelivery(const std::vector<int32_t*>& addrs) {
  std::lock_guard<std::mutex> lock(mu_);
  bool settled = false;
  for (int32_t* addr : addrs) {
    auto it = slots_.find(Key{addr, 0, true});
    if (it == slots_.end()) continue;
    Slot* slot = it->second;
    if (slot->armed || slot->queue.empty()) continue;
    SettleHead(slot, kWaitOk);
    settled = true;
    if (slot->queue.empty()) Rouse(slot->group);  // its thread frees the slot
  }
  if (settled) Notify();
}

void MultiWaiters::SettleExpired(Slot* slot, int64_t now) {
  Queue kept;
  bool exclusive_expired = false;
  for (size_t i = 0; i < slot->queue.size(); i++) {
    Queued& item = slot->queue[i];
    if (item.deadline <= now && (i == 0 || !item.request->recheck)) {
      exclusive_expired = exclusive_expired || item.request->exclusive;
      item.request->result = kWaitTimedOut;
      Finish(std::move(item.request));
      continue;
    }
    kept.push_back(std::move(item));
  }
  // A timed-out exclusive wait re-checks its word, and may find the lock free before this thread
  // has seen the release that freed it: settle the first in line with it (a spurious wake-up),
  // so that it re-checks first and keeps its place.
  slot->queue = std::move(kept);
  slot->earliest = Earliest(slot->queue);
  Promote(slot);
  if (exclusive_expired && slot->armed && !slot->queue.empty()) SettleHead(slot, kWaitOk);
}

void MultiWaiters::Run(Group* group) {
  FutexWaitvEntry entries[kWaitvMax];
  Slot* owners[kWaitvMax];  // the slot of each entry (nullptr: the control word)
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    int32_t control = __atomic_load_n(&group->control, __ATOMIC_SEQ_CST);
    unsigned count = 0;
    owners[count] = nullptr;
    entries[count++] = WaitvEntry(&group->control, control, kFutex2Private);
    int64_t until = kNever;
    for (auto& slot : group->slots) {
      until = std::min(until, slot->earliest);
      if (!slot->armed) continue;
      owners[count] = slot.get();
      entries[count++] = WaitvEntry(slot->addr, slot->expected, 0);
    }
    for (unsigned i = 1, distinct = count; i < distinct && count < kWaitvMax; i++) {
      for (size_t k = 1; k < owners[i]->queue.size() && count < kWaitvMax; k++) {
        owners[count] = owners[i];
        entries[count++] = entries[i];
      }
    }
    group->entries = count;
    group->sleep_until = until;
    timespec deadline;
    if (until != kNever) {
      int64_t at = until + kSlackNs;
      deadline.tv_sec = at / 1000000000;
      deadline.tv_nsec = at % 1000000000;
    }
    lock.unlock();
    int rc = FutexWaitv(entries, count, until == kNever ? nullptr : &deadline);
    lock.lock();
    if (stopping_) break;
    Slot* woken = rc > 0 ? owners[rc] : nullptr;
    bool failed = rc < 0 && rc != -EAGAIN && rc != -ETIMEDOUT && rc != -EINTR;
    int64_t now = MonotonicNowNs();
    bool settled = false;
    for (auto& slot : group->slots) {
      if (slot->queue.empty()) continue;
      if (failed) {
        Settle(slot.get(), rc);
      } else if (slot.get() == woken) {
        Settle(slot.get(), kWaitOk);
      } else if (slot->armed && __atomic_load_n(slot->addr, __ATOMIC_SEQ_CST) != slot->expected) {
        Settle(slot.get(), kWaitNotEqual);
      } else if (slot->earliest <= now) {
        SettleExpired(slot.get(), now);
      } else {
        continue;
      }
      settled = true;
    }
    auto& slots = group->slots;
    for (auto& slot : slots) {
      if (slot->queue.empty()) slots_.erase(slot->key());
    }
    slots.erase(std::remove_if(slots.begin(), slots.end(),
                               [](const std::unique_ptr<Slot>& s) { return s->queue.empty(); }),
                slots.end());
    if (settled) Notify();
  }
}

void MultiWaiters::StopThreads() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& group : groups_) Rouse(group.get());
  }
  for (auto& group : groups_) pthread_join(group->thread, nullptr);
  groups_.clear();
  slots_.clear();
}

}  // namespace

std::unique_ptr<WaiterPool> NewMultiWaiters(AddonState* state) {
  static const bool available = FutexWaitvAvailable();
  if (!available) return nullptr;
  return std::make_unique<MultiWaiters>(state);
}

}  // namespace multiproc

#else

namespace multiproc {
std::unique_ptr<WaiterPool> NewMultiWaiters(AddonState*) { return nullptr; }
}  // namespace multiproc

#endif
