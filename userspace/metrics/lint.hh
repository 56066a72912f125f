// SPDX-License-Identifier: Apache-2.0
// Our own checks of a Prometheus text exposition, beyond what `promtool check
// metrics` says: no series twice, every sample under one HELP/TYPE block of
// its family, counters named *_total, histogram buckets cumulative with a
// +Inf bucket equal to _count, values that parse, label names that are
// valid. Used by the unit tests on render(collect(...)) and by
// babe-metrics-lint on a live scrape (tests/integration/observability).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace babe::metrics {

// One line per problem ("line 12: duplicate series foo{a=\"1\"}"); empty when clean.
std::vector<std::string> lint(std::string_view exposition);

} // namespace babe::metrics
