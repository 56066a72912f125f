// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// A thread's request for a shorter scheduler time slice. EEVDF (Linux >=
// 6.12) takes sched_attr.sched_runtime under SCHED_OTHER as the thread's
// slice (clamped to 100 us..100 ms), and a woken thread with a shorter slice
// than the running one preempts it (PREEMPT_SHORT) instead of waiting for
// that one to reach its deadline: under preempt=none and HZ=250 that wait
// was often the next 4 ms tick. The thread's CPU share is unchanged (its
// weight is). Older kernels ignore the field.
#pragma once

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace babe {

// 0 on success (or us == 0: the kernel's default slice is kept), else errno.
inline int request_sched_slice(std::uint32_t us)
{
    if (us == 0)
        return 0;
    struct { // the kernel's struct sched_attr, SCHED_ATTR_SIZE_VER0 (glibc 2.36 declares none)
        std::uint32_t size, sched_policy;
        std::uint64_t sched_flags;
        std::int32_t sched_nice;
        std::uint32_t sched_priority;
        std::uint64_t sched_runtime, sched_deadline, sched_period;
    } a{};
    static_assert(sizeof(a) == 48);
    a.size = sizeof(a);
    a.sched_policy = SCHED_OTHER;
    a.sched_runtime = static_cast<std::uint64_t>(us) * 1000;
    return syscall(SYS_sched_setattr, 0, &a, 0) == 0 ? 0 : errno;
}

} // namespace babe
