# eBPF programs (src/bpf/*.bpf.c): compiled with clang -target bpf against a
# vmlinux.h that bpftool dumps from the build machine's kernel BTF, then turned
# into skeleton headers (bpftool gen skeleton) that hm_os includes. The
# programs are CO-RE, so the objects run on other kernels with BTF too.
#
# HM_BPF=ON (the default) requires clang, bpftool, libbpf and kernel BTF and
# stops the configure step with the missing piece named. HM_BPF=OFF compiles
# the feature out: every telemetry/XDP call then returns HM_ERR_UNSUPPORTED,
# the telemetry falls back to /proc, and the CLI says "not supported".
option(HM_BPF "eBPF telemetry and the XDP drop list (clang, bpftool, libbpf, kernel BTF)" ON)
set(HM_BPF_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH
    "Kernel BTF that vmlinux.h for the eBPF programs is generated from")

if(HM_BPF)
  set(hm_bpf_hint "install clang, bpftool and libbpf-dev (scripts/bootstrap), or configure with -DHM_BPF=OFF to build without eBPF")
  find_program(HM_BPF_CLANG NAMES clang clang-14)
  find_program(HM_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin)
  if(NOT HM_BPF_CLANG)
    message(FATAL_ERROR "HM_BPF: clang (to compile eBPF programs) not found: ${hm_bpf_hint}")
  endif()
  if(NOT HM_BPFTOOL)
    message(FATAL_ERROR "HM_BPF: bpftool (vmlinux.h and skeletons) not found: ${hm_bpf_hint}")
  endif()
  if(NOT EXISTS ${HM_BPF_BTF})
    message(FATAL_ERROR "HM_BPF: no kernel BTF at ${HM_BPF_BTF} (kernel built without "
                        "CONFIG_DEBUG_INFO_BTF?): set HM_BPF_BTF to a BTF file or vmlinux, or ${hm_bpf_hint}")
  endif()
  pkg_check_modules(LIBBPF IMPORTED_TARGET libbpf>=0.8)
  if(NOT LIBBPF_FOUND)
    message(FATAL_ERROR "HM_BPF: libbpf (>= 0.8) not found by pkg-config: ${hm_bpf_hint}")
  endif()

  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    set(hm_bpf_arch x86)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
    set(hm_bpf_arch arm64)
  else()
    set(hm_bpf_arch ${CMAKE_SYSTEM_PROCESSOR})
  endif()

  set(hm_bpf_gen ${CMAKE_BINARY_DIR}/generated/bpf)
  file(MAKE_DIRECTORY ${hm_bpf_gen})
  add_custom_command(
    OUTPUT ${hm_bpf_gen}/vmlinux.h
    COMMAND sh -c "'${HM_BPFTOOL}' btf dump file '${HM_BPF_BTF}' format c > vmlinux.h.tmp && mv vmlinux.h.tmp vmlinux.h"
    WORKING_DIRECTORY ${hm_bpf_gen}
    COMMENT "bpftool: vmlinux.h from ${HM_BPF_BTF}"
    VERBATIM)

  file(GLOB hm_bpf_srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/bpf/*.bpf.c)
  file(GLOB hm_bpf_hdrs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/bpf/*.h)
  set(hm_bpf_skels "")
  foreach(src ${hm_bpf_srcs})
    get_filename_component(stem ${src} NAME)
    string(REGEX REPLACE "\\.bpf\\.c$" "" stem ${stem})
    add_custom_command(
      OUTPUT ${hm_bpf_gen}/${stem}.bpf.o
      COMMAND ${HM_BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${hm_bpf_arch}
              -Wall -Werror -I${hm_bpf_gen} -I${CMAKE_SOURCE_DIR}/src/bpf
              -c ${src} -o ${hm_bpf_gen}/${stem}.bpf.o
      DEPENDS ${src} ${hm_bpf_hdrs} ${hm_bpf_gen}/vmlinux.h
      COMMENT "clang -target bpf: ${stem}.bpf.c"
      VERBATIM)
    add_custom_command(
      OUTPUT ${hm_bpf_gen}/${stem}.skel.h
      COMMAND sh -c "'${HM_BPFTOOL}' gen skeleton '${stem}.bpf.o' name hm_${stem} > '${stem}.skel.h.tmp' && mv '${stem}.skel.h.tmp' '${stem}.skel.h'"
      DEPENDS ${hm_bpf_gen}/${stem}.bpf.o
      WORKING_DIRECTORY ${hm_bpf_gen}
      COMMENT "bpftool gen skeleton: ${stem}.skel.h"
      VERBATIM)
    list(APPEND hm_bpf_skels ${hm_bpf_gen}/${stem}.skel.h)
  endforeach()
  add_custom_target(hm_bpf_skeletons DEPENDS ${hm_bpf_skels})
  add_dependencies(hm_os hm_bpf_skeletons)
  target_include_directories(hm_os PRIVATE ${hm_bpf_gen} ${CMAKE_SOURCE_DIR}/src/bpf)
  target_compile_definitions(hm_os PUBLIC HM_HAVE_BPF=1)
  target_link_libraries(hm_os PUBLIC PkgConfig::LIBBPF)
endif()
