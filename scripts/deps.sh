#!/usr/bin/env bash
# Installs what building, testing and debugging Kairos needs, when it is missing: the Rust targets
# aarch64-unknown-none(-softfloat), QEMU >= 10 (bookworm-backports on Debian 12), dtc, aarch64
# binutils and gcc, mkimage, rsvg-convert, gdb-multiarch and mtools.
# Safe to run again: it only acts on what is absent.
set -euo pipefail

log() { echo "deps: $*" >&2; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

apt_updated=""
apt_install() { # [-t suite] packages...
    if [ -z "$apt_updated" ]; then
        $SUDO apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

qemu_major() {
    command -v qemu-system-aarch64 >/dev/null || { echo 0; return; }
    qemu-system-aarch64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p' | head -1
}

# Guests use the hard-float target; the hypervisor the soft-float one, so that EL2 code never
# touches the FP/SIMD registers a guest owns.
for target in aarch64-unknown-none aarch64-unknown-none-softfloat; do
    if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
        log "adding Rust target $target"
        rustup target add "$target"
    fi
done

packages=()
command -v dtc >/dev/null || packages+=(device-tree-compiler)
command -v aarch64-linux-gnu-objcopy >/dev/null || packages+=(binutils-aarch64-linux-gnu)
command -v aarch64-linux-gnu-gcc >/dev/null || packages+=(gcc-aarch64-linux-gnu)
command -v mkimage >/dev/null || packages+=(u-boot-tools)
command -v rsvg-convert >/dev/null || packages+=(librsvg2-bin)   # make eval: PNG copies of the plots
command -v gdb-multiarch >/dev/null || packages+=(gdb-multiarch)  # make debug
command -v mcopy >/dev/null || packages+=(mtools)                 # the U-Boot test's FAT disk
if [ ${#packages[@]} -gt 0 ]; then
    log "installing ${packages[*]}"
    apt_install "${packages[@]}"
fi

if [ "$(qemu_major)" -lt 10 ]; then
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    if [ "$codename" = bookworm ]; then
        list=/etc/apt/sources.list.d/backports.list
        if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
            log "enabling bookworm-backports for QEMU 10"
            echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee "$list" >/dev/null
            apt_updated=""
        fi
        log "installing qemu-system-arm from bookworm-backports"
        apt_install -t bookworm-backports qemu-system-arm
    else
        log "installing qemu-system-arm"
        apt_install qemu-system-arm
    fi
fi
if [ "$(qemu_major)" -lt 10 ]; then
    log "QEMU 10 or newer is needed (found $(qemu-system-aarch64 --version | head -1))"
    exit 1
fi
