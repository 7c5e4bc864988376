#!/usr/bin/env bash
# Boots Debian's unmodified U-Boot (qemu_arm64) on bare QEMU virt with the DTB of
# examples/uboot_dtb.rs written verbatim at 0x4000_0000, where U-Boot reads its device tree,
# and checks it reaches its prompt. QEMU always puts its own DTB there, so the VM is started
# halted and the DTB is written over QEMU's through the gdbstub (gdb_load.py) before it runs.
# Usage: crates/guest-dt/scripts/uboot-bare-qemu.sh [WORKDIR] (default /tmp/guest-dt-uboot).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-/tmp/guest-dt-uboot}"
mkdir -p "$work"
uboot="$work/usr/lib/u-boot/qemu_arm64/u-boot.bin"
if [ ! -f "$uboot" ]; then
    (cd "$work" && apt-get download -q u-boot-qemu && dpkg-deb -x u-boot-qemu_*.deb .)
fi
cargo run -q -p guest-dt --example uboot_dtb -- "$work/vm.dtb"
port=$((20000 + RANDOM % 20000))
# Interrupt autoboot, print the DTB U-Boot runs with, then power off through PSCI.
(python3 "$here/gdb_load.py" "$port" "$work/vm.dtb" 0x40000000
 sleep 2; printf '\r'; sleep 3; printf 'fdt addr $fdtcontroladdr; fdt print /kairos\r'
 sleep 1; printf 'poweroff\r'; sleep 5) |
    timeout 30 qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 \
        -m 64M -nographic -nic none -bios "$uboot" -S -gdb "tcp:127.0.0.1:$port" \
    | tee "$work/uboot.log"
grep -q 'vm-name = "uboot-test"' "$work/uboot.log" && grep -q '^=> ' "$work/uboot.log"
echo "uboot-bare-qemu: U-Boot reached its prompt with the generated DTB"
