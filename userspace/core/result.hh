// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// A value or an error, without exceptions: babe::result<T, E> is the small
// subset of C++23 std::expected that g++ 12 lacks. Construct it from a T for
// success or from babe::unexpected{e} (or make_error(e)) for failure; test it
// with has_value() / operator bool, then read value() or error(). Reading the
// wrong side is a programming error and aborts (never undefined behaviour).
// result<void, E> carries only the error.
#pragma once

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

namespace babe {

// The error side of a result, wrapped so that T and E may be the same type.
template <class E>
class unexpected {
public:
    constexpr explicit unexpected(E e) : _error(std::move(e)) {}
    constexpr const E& error() const& noexcept { return _error; }
    constexpr E&& error() && noexcept { return std::move(_error); }

private:
    E _error;
};

template <class E>
unexpected(E) -> unexpected<E>;

// Shorthand: `return make_error(codec_error::truncated);`
template <class E>
constexpr unexpected<std::decay_t<E>> make_error(E&& e)
{
    return unexpected<std::decay_t<E>>(std::forward<E>(e));
}

template <class T, class E>
class [[nodiscard]] result {
public:
    using value_type = T;
    using error_type = E;

    constexpr result(const T& v) : _v(std::in_place_index<0>, v) {}
    constexpr result(T&& v) : _v(std::in_place_index<0>, std::move(v)) {}
    template <class G>
    constexpr result(const unexpected<G>& e) : _v(std::in_place_index<1>, e.error())
    {
    }
    template <class G>
    constexpr result(unexpected<G>&& e) : _v(std::in_place_index<1>, std::move(e).error())
    {
    }

    constexpr bool has_value() const noexcept { return _v.index() == 0; }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    constexpr T& value() &
    {
        check(true);
        return *std::get_if<0>(&_v);
    }
    constexpr const T& value() const&
    {
        check(true);
        return *std::get_if<0>(&_v);
    }
    constexpr T&& value() &&
    {
        check(true);
        return std::move(*std::get_if<0>(&_v));
    }
    constexpr const E& error() const&
    {
        check(false);
        return *std::get_if<1>(&_v);
    }
    constexpr T& operator*() & { return value(); }
    constexpr const T& operator*() const& { return value(); }
    constexpr T* operator->() { return &value(); }
    constexpr const T* operator->() const { return &value(); }

    template <class U>
    constexpr T value_or(U&& fallback) const&
    {
        return has_value() ? *std::get_if<0>(&_v) : static_cast<T>(std::forward<U>(fallback));
    }

private:
    constexpr void check(bool want_value) const
    {
        if (has_value() != want_value) [[unlikely]]
            std::abort();
    }

    std::variant<T, E> _v;
};

template <class E>
class [[nodiscard]] result<void, E> {
public:
    using value_type = void;
    using error_type = E;

    constexpr result() noexcept = default;
    template <class G>
    constexpr result(const unexpected<G>& e) : _error(e.error()), _failed(true)
    {
    }

    constexpr bool has_value() const noexcept { return !_failed; }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    constexpr void value() const
    {
        if (_failed) [[unlikely]]
            std::abort();
    }
    constexpr const E& error() const
    {
        if (!_failed) [[unlikely]]
            std::abort();
        return _error;
    }

private:
    E _error{};
    bool _failed = false;
};

} // namespace babe
