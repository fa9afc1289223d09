#ifndef SHESHA_CLINUX_SHIM_H
#define SHESHA_CLINUX_SHIM_H

#include <sys/prctl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <stdint.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <malloc.h>

// glibc 2.29+ has this, but declares it only under _GNU_SOURCE, which Swift's Glibc module does not set.
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
// glibc 2.34+, same story: close every descriptor from `from` up in the child.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

// glibc declares pipe2 only under _GNU_SOURCE as well.
extern int pipe2(int pipefd[2], int flags);

// glibc declares POSIX_SPAWN_SETSID (2.26+) only under _GNU_SOURCE too; 0x80 is its value there.
#ifndef POSIX_SPAWN_SETSID
#define POSIX_SPAWN_SETSID 0x80
#endif
static const short clinux_posix_spawn_setsid = POSIX_SPAWN_SETSID;

// prctl is variadic, which Swift cannot call: ask the kernel to send `signal` to this process when its
// parent dies (kept across execve).
static inline int clinux_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}

// The calling thread's id (glibc declares gettid only under _GNU_SOURCE); the process id on its first thread.
static inline pid_t clinux_gettid(void) {
    return (pid_t)syscall(SYS_gettid);
}

// A descriptor that becomes readable when the process `pid` exits (Linux 5.3+, glibc 2.36+), so one
// poll() can wait for a child's output and its end together.
static inline int clinux_pidfd_open(pid_t pid) {
    return pidfd_open(pid, 0);
}

// syscall is variadic too. A futex word shared between processes (a MAP_SHARED file mapping), so not
// FUTEX_PRIVATE_FLAG. Wait: sleeps while *word == expected, at most `timeout_nanoseconds`; 0 when woken, else -1
// with errno EAGAIN (the word had already changed), ETIMEDOUT or EINTR.
static inline int clinux_futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_nanoseconds) {
    struct timespec timeout = {
        .tv_sec = timeout_nanoseconds / 1000000000, .tv_nsec = timeout_nanoseconds % 1000000000
    };
    return (int)syscall(SYS_futex, word, FUTEX_WAIT, expected, &timeout, NULL, 0);
}

// Wakes up to `count` processes sleeping on `word`; returns how many woke, or -1 with errno.
static inline int clinux_futex_wake(uint32_t *word, int count) {
    return (int)syscall(SYS_futex, word, FUTEX_WAKE, count, NULL, NULL, 0);
}

// Sequentially consistent atomics on a word in shared memory, where Swift's Atomic cannot be placed.
static inline uint32_t clinux_atomic_load(uint32_t *word) {
    return __atomic_load_n(word, __ATOMIC_SEQ_CST);
}

static inline uint32_t clinux_atomic_add(uint32_t *word, uint32_t amount) {
    return __atomic_add_fetch(word, amount, __ATOMIC_SEQ_CST);
}

static inline uint32_t clinux_atomic_subtract(uint32_t *word, uint32_t amount) {
    return __atomic_sub_fetch(word, amount, __ATOMIC_SEQ_CST);
}

// A reflink: `destination` shares `source`'s blocks, copy-on-write (btrfs, xfs with reflink=1). ioctl is
// variadic, and FICLONE comes from linux/fs.h. 0, or -1 with errno (EOPNOTSUPP, EXDEV, EINVAL where the
// file system cannot).
#include <linux/fs.h>
#include <sys/ioctl.h>
static inline int clinux_clone_file(int destination, int source) {
    return ioctl(destination, FICLONE, source);
}

// copy_file_range(2) through syscall (glibc declares it only under _GNU_SOURCE): the kernel copies, without
// passing the bytes through this process. Returns the bytes copied, 0 at the end of the source, or -1 with
// errno.
static inline long clinux_copy_file_range(int source, int destination, size_t length) {
    return syscall(SYS_copy_file_range, source, NULL, destination, NULL, length, 0U);
}

#endif
