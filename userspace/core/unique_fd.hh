// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// A file descriptor with one owner: closed when the owner goes, moved (never
// copied) to a new owner, handed over with release() to code that closes it
// itself (libbpf, a caller). reset() and the destructor keep errno, so an
// error path may close its descriptors after reading errno or before.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace babe {

class unique_fd {
public:
    unique_fd() noexcept = default;
    explicit unique_fd(int fd) noexcept : _fd(fd) {}
    unique_fd(unique_fd&& other) noexcept : _fd(other.release()) {}
    unique_fd& operator=(unique_fd&& other) noexcept
    {
        reset(other.release());
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    int get() const noexcept { return _fd; }
    bool valid() const noexcept { return _fd >= 0; }
    explicit operator bool() const noexcept { return valid(); }

    // The descriptor, no longer owned: the caller closes it.
    [[nodiscard]] int release() noexcept { return std::exchange(_fd, -1); }

    // Closes the descriptor held (if any, and unless it is `fd`) and owns `fd`.
    void reset(int fd = -1) noexcept
    {
        const int old = std::exchange(_fd, fd);
        if (old >= 0 && old != fd) {
            const int saved = errno;
            ::close(old);
            errno = saved;
        }
    }

    // For callers that must know whether the close succeeded (a written
    // file): ::close's result, errno as it leaves it. 0 when nothing is held.
    int close() noexcept
    {
        const int old = std::exchange(_fd, -1);
        return old >= 0 ? ::close(old) : 0;
    }

private:
    int _fd = -1;
};

} // namespace babe
