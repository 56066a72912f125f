// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The RFC 4728 wire codec in one include: IPv4 helpers, zero-copy decoding
// of the DSR Options and Flow State headers, encoders and the header
// builder, and the unknown-option rule of §6.1. Library: babe_dsr_codec
// (links babe_core only).
#pragma once

#include "dsr/codec/bytes.hh"
#include "dsr/codec/codec_error.hh"
#include "dsr/codec/encode.hh"
#include "dsr/codec/ipv4.hh"
#include "dsr/codec/options.hh"
#include "dsr/codec/unknown.hh"
