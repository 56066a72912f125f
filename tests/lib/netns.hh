// SPDX-License-Identifier: Apache-2.0
// Network namespaces for privileged C++ tests: create/destroy with iproute2,
// enter one on the current thread (setns) for the scope of an object.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace babe::testing {

// Runs a shell command; throws with the command on failure.
inline void sh(const std::string& cmd)
{
    if (std::system(cmd.c_str()) != 0)
        throw std::runtime_error("command failed: " + cmd);
}

// Namespaces created here are deleted when the object goes away.
class netns_set {
public:
    ~netns_set()
    {
        for (const auto& n : _names)
            std::system(("ip netns del " + n + " 2>/dev/null").c_str());
    }
    void add(const std::string& name)
    {
        std::system(("ip netns del " + name + " 2>/dev/null").c_str());
        sh("ip netns add " + name);
        _names.push_back(name);
        sh("ip -n " + name + " link set lo up");
    }

private:
    std::vector<std::string> _names;
};

// Moves the calling thread into a named namespace; back on destruction.
class scoped_netns {
public:
    explicit scoped_netns(const std::string& name)
    {
        _self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        int fd = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
        if (_self < 0 || fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
            if (fd >= 0)
                close(fd);
            throw std::runtime_error("cannot enter network namespace " + name);
        }
        close(fd);
    }
    ~scoped_netns()
    {
        if (_self >= 0) {
            setns(_self, CLONE_NEWNET);
            close(_self);
        }
    }
    scoped_netns(const scoped_netns&) = delete;
    scoped_netns& operator=(const scoped_netns&) = delete;

private:
    int _self = -1;
};

} // namespace babe::testing
