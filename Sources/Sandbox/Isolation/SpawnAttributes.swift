import CLinux
import Glibc

/// posix_spawn attributes for a child that must start with a clean signal state: Swift's threads block
/// most signals and the mask survives exec (into bwrap, conmon, the runner), so it is cleared, and every
/// handled or ignored signal (SIGPIPE in particular) goes back to its default.
final class SpawnAttributes {
    var raw = posix_spawnattr_t()

    /// With `newSession`, the child also leads a session and process group of its own.
    init(newSession: Bool) {
        posix_spawnattr_init(&raw)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&raw, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&raw, &all)
        let flags = Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        posix_spawnattr_setflags(&raw, newSession ? flags | clinux_posix_spawn_setsid : flags)
    }

    deinit {
        posix_spawnattr_destroy(&raw)
    }
}
