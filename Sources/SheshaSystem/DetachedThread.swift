import Glibc

/// Runs `body` on a new thread of its own that nobody joins: for blocking waits (poll, waitpid) that must
/// stay off Swift's cooperative threads. A POSIX thread rather than Foundation's `Thread`, which would link
/// all of Foundation and its internationalisation data into every command and slow each one's start-up.
/// Throws a `SystemError` naming `pthread_create` if the system cannot make one more thread (a limit on
/// processes or memory), so that each caller can fall back or report it rather than crash.
public func startDetachedThread(stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) throws {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    if let stackSize {
        pthread_attr_setstacksize(&attributes, max(stackSize, Int(PTHREAD_STACK_MIN)))
    }
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, &attributes, { argument in
        Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue().body()
        return nil
    }, box)
    guard result == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(box).release()
        throw SystemError(call: "pthread_create", code: result)
    }
}

private final class ThreadBody: Sendable {
    let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
    }
}
