// SPDX-License-Identifier: Apache-2.0
// xdp_loader: loads babe_xdp (babe_mesh_ingress, babe_local_egress and their
// maps) from the embedded skeleton, pins the public maps under a bpffs pin
// path (default /sys/fs/bpf/babe) and attaches programs to interfaces
// through bpf_links pinned at <pin>/links/<ifname>.
//
// Restart without loss: a second load finds the pinned maps and reuses them
// (libbpf bpf_map__set_pin_path), so routes, neighbours and counters survive;
// attach finds the pinned link and swaps the program in place with
// bpf_link__update_program, so the interface is never without XDP. Dropping
// the loader closes its fds only: pins keep maps and links alive, and
// forwarding continues while no process holds them. detach() and
// remove_pins() undo it all.
//
// Interfaces are looked up in the caller's network namespace: to attach
// inside a namespace while the pins stay on the host's bpffs, enter it with
// enter_netns() (system.hh) first; `ip netns exec` hides bpffs (it remounts
// /sys), which prepare_pin_path reports as no_bpffs unless asked to mount a
// private instance.
#pragma once

#include "dataplane/bpf_maps.hh"
#include "dataplane/error.hh"
#include "dataplane/layout.hh"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct babe_xdp;

namespace babe::dataplane {

inline constexpr const char* default_pin_path = "/sys/fs/bpf/babe";

enum class xdp_mode {
    automatic, // native when the driver has it, generic (skb) otherwise
    native,    // XDP_FLAGS_DRV_MODE: fail with mode_unsupported if the driver lacks it
    generic,   // XDP_FLAGS_SKB_MODE
};

enum class xdp_role {
    mesh_ingress, // babe_mesh_ingress: every mesh interface
    local_egress, // babe_local_egress: the peer end of the babe0 veth pair
};

dp_result<xdp_mode> parse_xdp_mode(std::string_view text);
const char* to_string(xdp_mode mode);
dp_result<xdp_role> parse_xdp_role(std::string_view text);
const char* to_string(xdp_role role);

struct loader_options {
    std::string pin_path = default_pin_path;
    bool mount_bpffs = false; // mount bpffs on /sys/fs/bpf when missing (ip netns exec)
};

struct attach_result {
    std::uint32_t ifindex = 0;
    std::uint32_t link_id = 0;
    bool updated = false; // an existing pinned link got the new program
    std::optional<xdp_mode> attached; // native or generic, as the kernel reports it
};

// Where a load's time went (babed logs it at debug level). A program's
// verification time is measured from the kernel's load_time stamp (taken
// before the verifier runs) to the next program's, or to the end of the load.
struct load_timing {
    double open_ms = 0;    // skeleton open: ELF and BTF parsing
    double reuse_ms = 0;   // finding and checking pinned maps
    double maps_ms = 0;    // load: BTF and map creation, up to the first program
    double total_ms = 0;   // open to loaded
    struct program {
        const char* name = "";
        double verify_ms = 0;           // verifier and JIT
        std::uint32_t insns = 0;        // instructions after rewriting (xlated)
        std::uint32_t verified_insns = 0; // instructions the verifier walked
    };
    std::vector<program> programs;
};

class xdp_loader {
public:
    // Opens the skeleton, sets pin paths, loads (reusing pinned maps).
    static dp_result<std::unique_ptr<xdp_loader>> load(const loader_options& options);

    ~xdp_loader();
    xdp_loader(const xdp_loader&) = delete;
    xdp_loader& operator=(const xdp_loader&) = delete;

    // Attaches `role` to `ifname` (in the current netns) or, when a link is
    // already pinned for it, updates that link to this load's program.
    dp_result<attach_result> attach(xdp_role role, const std::string& ifname, xdp_mode mode);

    // True when every public map was found pinned and reused (or migrated
    // with its entries).
    bool reused_maps() const { return _reused; }
    // What the load did to the pins beyond reusing them (migrations, maps
    // recreated, an interrupted migration finished): one line each, to log.
    const std::vector<std::string>& pin_notes() const { return _notes; }
    // The layout version of the pins now (BABE_LAYOUT_VERSION after a load).
    std::uint32_t layout_version() const { return _layout_version; }
    const load_timing& timing() const { return _timing; }
    int prog_fd(xdp_role role) const;
    map_access& maps() { return *_maps; }
    const std::string& pin_path() const { return _pin_path; }

private:
    xdp_loader() = default;
    // Before the load: the plan of every pinned map (layout.hh), reuse set up.
    dp_result<void> plan_pins(const std::string& pin_path);
    // After the load: entries copied into the new maps, pins swapped.
    dp_result<void> swap_pins(const std::string& pin_path);

    struct pending_pin {
        std::string name;
        unique_fd old; // the pinned map it replaces
        map_plan plan;
        std::string why;
    };

    babe_xdp* _skel = nullptr;
    std::vector<pending_pin> _pending;
    std::vector<std::string> _notes;
    std::uint32_t _layout_version = 0;
    std::unique_ptr<bpf_maps> _maps;
    std::string _pin_path;
    bool _reused = false;
    load_timing _timing;
};

// The pinned link of `ifname` under `pin_path` (<pin>/links/<ifname>).
std::string link_pin(const std::string& pin_path, const std::string& ifname);

// Detaches the program pinned for `ifname` and removes the pin.
dp_result<void> detach(const std::string& pin_path, const std::string& ifname);

// Interfaces with a pinned link under `pin_path`.
dp_result<std::vector<std::string>> list_links(const std::string& pin_path);

// Detaches every pinned link and removes every pin and the directory.
dp_result<void> remove_pins(const std::string& pin_path);

} // namespace babe::dataplane
