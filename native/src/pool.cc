#include "pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace gh {
namespace {

// Set while this thread runs chunks of a pool_for: a nested pool_for then runs serially.
thread_local bool t_in_pool = false;

// Lives for the whole process (never destroyed, so exit never waits on workers).
struct Pool {
  std::mutex call_mu;  // one caller at a time
  std::mutex sleep_mu;
  std::condition_variable wake;
  std::atomic<uint64_t> generation{0};
  std::atomic<bool> open{false};  // a job is accepting helpers
  std::atomic<int> in_job{0};     // workers inside the current job
  std::atomic<int> next{0};       // next unclaimed chunk
  std::atomic<int> done{0};       // finished chunks
  const std::function<void(int)>* fn = nullptr;
  int chunks = 0;
  int workers = 0;
  int threads = 1;
  std::chrono::microseconds spin{100};
  // When the caller had to wait long for a worker's chunk (another process had the core), the
  // pool stays serial for a while, twice as long after each such wait in a row (0.1 s to 3.2 s):
  // a descheduled worker costs a time slice, far more than it saves. Results never depend on it.
  std::chrono::steady_clock::time_point serial_until{};
  std::chrono::microseconds max_wait{300};
  std::chrono::milliseconds backoff{100};
  static constexpr std::chrono::milliseconds kMinBackoff{100}, kMaxBackoff{3200};

  void work() {
    t_in_pool = true;
    for (int i; (i = next.fetch_add(1)) < chunks;) {
      (*fn)(i);
      done.fetch_add(1);
    }
    t_in_pool = false;
  }

  void worker_loop(uint64_t seen) {
    for (;;) {
      uint64_t g = generation.load();
      if (g == seen) {
        const auto start = std::chrono::steady_clock::now();
        unsigned n = 0;
        while ((g = generation.load()) == seen) {
          if ((++n & 63u) == 0 && std::chrono::steady_clock::now() - start > spin) {
            std::unique_lock<std::mutex> lock(sleep_mu);
            wake.wait(lock, [&] { return generation.load() != seen; });
          }
        }
      }
      seen = g;
      // Dekker-style hand-shake with the caller's open = false / wait for in_job == 0: a worker
      // only touches the job after seeing it open while counted in in_job.
      in_job.fetch_add(1);
      if (open.load()) work();
      in_job.fetch_sub(1);
    }
  }
};

Pool& pool() {
  static Pool* p = [] {
    auto* q = new Pool();
    unsigned hw = std::thread::hardware_concurrency();
    int n = hw == 0 ? 1 : static_cast<int>(hw);
    if (const char* env = std::getenv("GOODHART_NATIVE_THREADS")) {
      int v = std::atoi(env);
      if (v > 0) n = v;
    }
    if (const char* env = std::getenv("GOODHART_NATIVE_SPIN_US")) {
      int v = std::atoi(env);
      if (v >= 0) q->spin = std::chrono::microseconds(v);
    }
    q->threads = n < 1 ? 1 : (n > 64 ? 64 : n);
    return q;
  }();
  return *p;
}

}  // namespace

int pool_threads() { return pool().threads; }

void pool_set_threads(int n) {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.call_mu);
  p.threads = n < 1 ? 1 : (n > 64 ? 64 : n);
}

void pool_for(int chunks, const std::function<void(int)>& fn) {
  Pool& p = pool();
  std::unique_lock<std::mutex> lock(p.call_mu, std::defer_lock);
  if (chunks <= 1 || p.threads <= 1 || t_in_pool || !lock.try_lock() || std::chrono::steady_clock::now() < p.serial_until) {
    for (int i = 0; i < chunks; i++) fn(i);
    return;
  }
  while (p.workers < p.threads - 1) {
    uint64_t seen = p.generation.load();
    p.workers++;
    std::thread([&p, seen] { p.worker_loop(seen); }).detach();
  }
  p.fn = &fn;
  p.chunks = chunks;
  p.next.store(0);
  p.done.store(0);
  p.open.store(true);
  {
    std::lock_guard<std::mutex> sleep_lock(p.sleep_mu);
    p.generation.fetch_add(1);
  }
  p.wake.notify_all();
  const auto work_start = std::chrono::steady_clock::now();
  p.work();
  p.open.store(false);
  bool waited_long = false;
  if (p.done.load() != chunks) {
    const auto start = std::chrono::steady_clock::now();
    while (p.done.load() != chunks) {
    }
    const auto end = std::chrono::steady_clock::now();
    // Long: beyond 300 µs and beyond the time the caller itself worked (a worker finishing its
    // last chunk of a big product legitimately takes a while).
    if (end - start > p.max_wait && end - start > start - work_start) {
      waited_long = true;
      p.serial_until = end + p.backoff;
      p.backoff = std::min(p.backoff * 2, Pool::kMaxBackoff);
    }
  }
  if (!waited_long) p.backoff = Pool::kMinBackoff;
  while (p.in_job.load() != 0) {
  }
  p.fn = nullptr;
}

}  // namespace gh
