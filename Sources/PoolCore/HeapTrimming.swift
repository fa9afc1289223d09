import CLinux

/// How much freed memory glibc keeps before it hands the top of a heap back to the kernel.
enum HeapTrimming {
    /// Free memory a heap keeps at its top: 4 MiB.
    static let keptBytes: Int32 = 4 << 20

    /// Keeps up to `keptBytes` of freed memory at the top of each of glibc's heaps. By default a heap of a
    /// thread other than the main one gives back its top once 128 KiB of it is free: a ledger transaction,
    /// whose allocations move between Swift's threads, set that off several times a cycle (an madvise, then
    /// page faults that zero the same pages again), which doubled the cost of an acquire and release.
    /// Process-wide and idempotent; the cost is at most `keptBytes` of idle memory per heap.
    static func keepFreedMemory() {
        _ = applied
    }

    private static let applied: Bool = mallopt(M_TRIM_THRESHOLD, keptBytes) == 1
}
