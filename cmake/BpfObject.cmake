# SPDX-License-Identifier: Apache-2.0
# babe_bpf_object(NAME SOURCE): compile SOURCE with clang -target bpf into
# NAME.bpf.o, generate NAME.skel.h with `bpftool gen skeleton`, and define an
# INTERFACE target NAME_skel that brings the skeleton header and libbpf.
find_program(BABE_CLANG NAMES clang clang-14 REQUIRED)
find_program(BABE_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)
execute_process(COMMAND ${CMAKE_C_COMPILER} -dumpmachine
                OUTPUT_VARIABLE BABE_MULTIARCH OUTPUT_STRIP_TRAILING_WHITESPACE)
set(BABE_SKEL_DIR ${CMAKE_BINARY_DIR}/skel)
file(MAKE_DIRECTORY ${BABE_SKEL_DIR})

function(babe_bpf_object name src)
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.o)
  set(skel ${BABE_SKEL_DIR}/${name}.skel.h)
  get_filename_component(src_abs ${src} ABSOLUTE)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BABE_CLANG} -g -O2 -target bpf -Wall -Werror -mcpu=v3
            -D__TARGET_ARCH_x86
            -I${CMAKE_SOURCE_DIR}/headers -I${CMAKE_SOURCE_DIR}/bpf
            -idirafter /usr/include/${BABE_MULTIARCH}
            -MD -MF ${obj}.d -c ${src_abs} -o ${obj}
    DEPFILE ${obj}.d
    DEPENDS ${src_abs}
    COMMENT "BPF ${name}.bpf.o"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BABE_BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}
    DEPENDS ${obj}
    COMMENT "BPF skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_gen DEPENDS ${skel} ${obj})
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel INTERFACE ${BABE_SKEL_DIR})
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF babe_headers)
  set_property(GLOBAL APPEND PROPERTY BABE_BPF_OBJECTS ${obj})
endfunction()
