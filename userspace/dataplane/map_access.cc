// SPDX-License-Identifier: Apache-2.0
// Helpers shared by every map_access: counter labels from the X-macro tables
// of headers/babe/stats.h and the route value builder.
#include "dataplane/map_access.hh"

#include <cstring>
#include <string>

namespace babe::dataplane {

namespace {

#define BABE_LABEL_ACTION(name, label) #label,
#define BABE_LABEL_DROP(name, label) "drop_" #label,
#define BABE_LABEL_ENGINE(name, label) "engine_" #label,
constexpr const char* labels[] = {BABE_ACTIONS(BABE_LABEL_ACTION)
                                      BABE_DROP_REASONS(BABE_LABEL_DROP)
                                          BABE_ENGINE_REASONS(BABE_LABEL_ENGINE)};
#undef BABE_LABEL_ACTION
#undef BABE_LABEL_DROP
#undef BABE_LABEL_ENGINE
static_assert(std::size(labels) == BABE_STAT_MAX, "one label per counter");

} // namespace

const char* stat_label(unsigned id) { return id < BABE_STAT_MAX ? labels[id] : "unknown"; }

unsigned stat_id_from_label(std::string_view label)
{
    for (unsigned i = 0; i < BABE_STAT_MAX; ++i)
        if (label == labels[i])
            return i;
    return BABE_STAT_MAX;
}

dp_result<babe_route> make_route(const std::vector<be32>& hops, std::uint32_t generation)
{
    if (hops.size() > BABE_MAX_ROUTE_HOPS)
        return make_dp_error(errc::invalid_argument,
                             "route has " + std::to_string(hops.size()) +
                                 " intermediate hops, at most " +
                                 std::to_string(BABE_MAX_ROUTE_HOPS) + " fit");
    babe_route r{};
    r.n_hops = static_cast<std::uint8_t>(hops.size());
    r.generation = generation;
    for (std::size_t i = 0; i < hops.size(); ++i)
        r.hops[i] = hops[i];
    return r;
}

} // namespace babe::dataplane
