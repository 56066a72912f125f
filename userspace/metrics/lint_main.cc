// SPDX-License-Identifier: Apache-2.0
// babe-metrics-lint: reads a Prometheus text exposition on stdin (a scrape
// of babed's /metrics) and prints every problem lint() finds; exit 0 when
// clean, 1 otherwise. The observability integration test runs it on a live
// scrape next to `promtool check metrics`.
#include "metrics/lint.hh"

#include <iostream>
#include <iterator>
#include <string>

int main()
{
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    auto problems = babe::metrics::lint(text);
    for (const auto& p : problems)
        std::cout << p << "\n";
    if (text.empty()) {
        std::cout << "empty input\n";
        return 1;
    }
    return problems.empty() ? 0 : 1;
}
