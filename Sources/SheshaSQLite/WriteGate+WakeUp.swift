import CLinux
import Glibc

/// The wake-up word beside the gate's mutex: a counter that writers bump when they commit something others
/// may be waiting for, and on which those others sleep in the kernel (a futex) instead of polling the
/// database.
///
/// A second word counts the sleepers, so a bump with nobody asleep costs no system call. Either the waker
/// sees the sleeper it must wake, or the sleeper sees the new count before it sleeps: both sides write their
/// own word before reading the other's, sequentially consistent. A sleeper that dies leaves the count too
/// high, which costs only a wake-up call with nobody to wake.
extension WriteGate {
    /// Past the mutex (64 + 40 bytes on Linux x86_64 and arm64). A gate file from an older build has zeroes
    /// here, a valid start.
    private static let changeCountOffset = 128
    private static let sleeperCountOffset = 132

    private var changeCountWord: UnsafeMutablePointer<UInt32> {
        (mapping + Self.changeCountOffset).assumingMemoryBound(to: UInt32.self)
    }

    private var sleeperCountWord: UnsafeMutablePointer<UInt32> {
        (mapping + Self.sleeperCountOffset).assumingMemoryBound(to: UInt32.self)
    }

    /// A number that changes with every `announceChange` (it wraps around, so compare for equality only).
    public var changeCount: UInt32 {
        clinux_atomic_load(changeCountWord)
    }

    /// Bumps the change count and wakes every process sleeping in `waitForChange`.
    public func announceChange() {
        _ = clinux_atomic_add(changeCountWord, 1)
        if clinux_atomic_load(sleeperCountWord) > 0 {
            _ = clinux_futex_wake(changeCountWord, Int32.max)
        }
    }

    /// Sleeps until the change count differs from `seen`, or `timeout` has passed. Returns true if it
    /// changed. Blocks its thread: call it off Swift's cooperative threads.
    public func waitForChange(from seen: UInt32, timeout: Duration) -> Bool {
        _ = clinux_atomic_add(sleeperCountWord, 1)
        defer { _ = clinux_atomic_subtract(sleeperCountWord, 1) }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let deadline = Self.nanoseconds(now) + Int64(timeout.components.seconds) * 1_000_000_000
            + timeout.components.attoseconds / 1_000_000_000
        while clinux_atomic_load(changeCountWord) == seen {
            clock_gettime(CLOCK_MONOTONIC, &now)
            let left = deadline - Self.nanoseconds(now)
            guard left > 0 else { return false }
            // Woken, timed out, interrupted or already changed: the loop's check tells which matters.
            _ = clinux_futex_wait(changeCountWord, seen, left)
        }
        return true
    }

    private static func nanoseconds(_ time: timespec) -> Int64 {
        Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
