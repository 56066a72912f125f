// SPDX-License-Identifier: Apache-2.0
// core/ipv4: parse and format round-trip, the byte orders, every kind of bad
// input refused, and agreement with inet_pton(AF_INET) (which every module
// used before) on random near-miss text.
#include "core/ipv4.hh"
#include "core/prng.hh"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>

namespace babe {
namespace {

TEST(Ipv4Address, ParsesDottedQuadIntoHostOrder)
{
    auto a = ipv4_address::parse("10.1.2.3");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host(), 0x0a010203U);
    EXPECT_EQ(*a, ipv4_address::from_octets(10, 1, 2, 3));
    EXPECT_EQ(ipv4_address::parse("0.0.0.0")->host(), 0U);
    EXPECT_EQ(ipv4_address::parse("255.255.255.255")->host(), 0xffffffffU);
    EXPECT_EQ(ipv4_address::parse("100.200.0.9")->host(), 0x64c80009U);
}

TEST(Ipv4Address, FormatsAsDottedQuad)
{
    EXPECT_EQ(ipv4_address::from_host(0x0a010203).to_string(), "10.1.2.3");
    EXPECT_EQ(ipv4_address::from_host(0).to_string(), "0.0.0.0");
    EXPECT_EQ(ipv4_address::from_host(0xffffffff).to_string(), "255.255.255.255");
    EXPECT_EQ(ipv4_address::from_host(0xc0a80a64).to_string(), "192.168.10.100");
}

TEST(Ipv4Address, NetworkOrderIsTheBytesOnTheWire)
{
    auto a = ipv4_address::from_octets(10, 77, 0, 5);
    std::uint32_t n = a.network();
    unsigned char bytes[4];
    std::memcpy(bytes, &n, 4);
    EXPECT_EQ(bytes[0], 10);
    EXPECT_EQ(bytes[1], 77);
    EXPECT_EQ(bytes[2], 0);
    EXPECT_EQ(bytes[3], 5);
    EXPECT_EQ(ipv4_address::from_network(n), a);
    EXPECT_EQ(n, htonl(a.host()));
}

TEST(Ipv4Address, RefusesBadText)
{
    for (const char* bad : {"",
                            "1.2.3",
                            "1.2.3.4.5",
                            "256.0.0.1",
                            "1.2.3.256",
                            "1.2.3.4294967297",
                            "99999999999.1.1.1",
                            "01.2.3.4",
                            "1.2.3.00",
                            "1.2.03.4",
                            "1..2.3",
                            ".1.2.3",
                            "1.2.3.",
                            "1.2.3.4 ",
                            " 1.2.3.4",
                            "+1.2.3.4",
                            "-1.2.3.4",
                            "1.2.3.-4",
                            "a.b.c.d",
                            "1.2.3.4/24",
                            "0x1.2.3.4",
                            "1.2.3.4\n",
                            "10.1",
                            "167772161",
                            "1,2,3,4"})
        EXPECT_FALSE(ipv4_address::parse(bad)) << '"' << bad << '"';
    // An embedded NUL is not the end of the text.
    EXPECT_FALSE(ipv4_address::parse(std::string_view("1.2.3.4\0", 8)));
    // The view's bounds are respected: no read past a shorter view.
    EXPECT_EQ(ipv4_address::parse(std::string_view("1.2.3.45", 7)),
              ipv4_address::from_octets(1, 2, 3, 4));
}

TEST(Ipv4Address, RoundTripsEveryOctetValue)
{
    for (std::uint32_t v = 0; v < 256; ++v) {
        auto a = ipv4_address::from_octets(static_cast<std::uint8_t>(v), 0,
                                           static_cast<std::uint8_t>(255 - v),
                                           static_cast<std::uint8_t>(v));
        EXPECT_EQ(ipv4_address::parse(a.to_string()), a) << a.to_string();
    }
}

// Text built from digits, dots and a few other characters, so that most of it
// is near the valid form: the core parser and inet_pton agree on every one.
TEST(Ipv4Address, AgreesWithInetPton)
{
    prng rng(0x1b4e);
    static constexpr char alphabet[] = "0123456789..........0 x+-";
    int accepted = 0;
    for (int n = 0; n < 200000; ++n) {
        std::string s;
        const auto len = 1 + rng.next() % 18;
        for (std::uint64_t i = 0; i < len; ++i)
            s += alphabet[rng.next() % (sizeof alphabet - 1)];
        in_addr expect{};
        const bool ok = ::inet_pton(AF_INET, s.c_str(), &expect) == 1;
        auto got = ipv4_address::parse(s);
        ASSERT_EQ(got.has_value(), ok) << '"' << s << '"';
        if (ok) {
            ++accepted;
            EXPECT_EQ(got->network(), expect.s_addr) << s;
            EXPECT_EQ(got->to_string(), s) << "a parsed address prints as its text";
        }
    }
    // The generator must reach the valid form often enough for the test to mean something.
    EXPECT_GT(accepted, 100);
}

} // namespace
} // namespace babe
