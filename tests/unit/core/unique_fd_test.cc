// SPDX-License-Identifier: Apache-2.0
// core/unique_fd: the descriptor is closed exactly when its owner lets go,
// and never when it has been released or moved away.
#include "core/unique_fd.hh"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace babe {
namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

int open_fd()
{
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    return fd;
}

TEST(UniqueFd, ClosesOnDestruction)
{
    int raw = open_fd();
    {
        unique_fd fd(raw);
        EXPECT_TRUE(fd);
        EXPECT_EQ(fd.get(), raw);
        EXPECT_TRUE(is_open(raw));
    }
    EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, EmptyHoldsMinusOne)
{
    unique_fd fd;
    EXPECT_FALSE(fd);
    EXPECT_EQ(fd.get(), -1);
    EXPECT_EQ(fd.close(), 0);
    unique_fd failed(-1); // what open() returns on failure
    EXPECT_FALSE(failed.valid());
}

TEST(UniqueFd, ReleaseHandsOverWithoutClosing)
{
    int raw = open_fd();
    {
        unique_fd fd(raw);
        EXPECT_EQ(fd.release(), raw);
        EXPECT_FALSE(fd);
    }
    EXPECT_TRUE(is_open(raw));
    ::close(raw);
}

TEST(UniqueFd, MoveTransfersOwnership)
{
    int a = open_fd(), b = open_fd();
    unique_fd x(a);
    unique_fd y(std::move(x));
    EXPECT_FALSE(x);
    EXPECT_EQ(y.get(), a);
    unique_fd z(b);
    z = std::move(y); // closes b, takes a
    EXPECT_FALSE(is_open(b));
    EXPECT_TRUE(is_open(a));
    EXPECT_EQ(z.get(), a);
    z = unique_fd{};
    EXPECT_FALSE(is_open(a));
}

TEST(UniqueFd, ResetClosesTheOldAndKeepsErrno)
{
    int a = open_fd(), b = open_fd();
    unique_fd fd(a);
    errno = ENOSPC;
    fd.reset(b);
    EXPECT_EQ(errno, ENOSPC) << "an error path may close after reading errno or before";
    EXPECT_FALSE(is_open(a));
    EXPECT_EQ(fd.get(), b);
    fd.reset(b); // the same descriptor: kept open
    EXPECT_TRUE(is_open(b));
    fd.reset();
    EXPECT_FALSE(is_open(b));
    EXPECT_FALSE(fd);
}

TEST(UniqueFd, CloseReportsTheResult)
{
    int a = open_fd();
    unique_fd fd(a);
    EXPECT_EQ(fd.close(), 0);
    EXPECT_FALSE(fd);
    EXPECT_FALSE(is_open(a));
}

} // namespace
} // namespace babe
