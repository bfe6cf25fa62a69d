// A tiny work-sharing pool: pool_for(chunks, fn) calls fn(i) exactly once for every i in
// [0, chunks), on the calling thread and on idle workers, which claim chunks one at a time.
//
// The caller never waits for a worker to start: if the workers are slow to wake (another process
// holds the cores), the caller simply runs every chunk itself. Determinism never depends on the
// pool: callers make each chunk's result independent of which thread runs it and when.
#pragma once

#include <functional>

namespace gh {

// Threads the pool may use (the caller included); at least 1.
int pool_threads();

// Sets the number of threads (1 = everything on the calling thread). Clamped to [1, 64].
void pool_set_threads(int n);

// Runs fn(0..chunks-1); returns when all have finished. Safe to call from several threads at
// once (a caller that finds the pool busy runs its chunks itself).
void pool_for(int chunks, const std::function<void(int)>& fn);

}  // namespace gh
