#!/usr/bin/env bash
# Compiles the partition configs the QEMU tests hand to the hypervisor, into build/test-configs/:
# every tests/configs/*.dts and boards/*/*.dts, plus a QEMU virt platform DTB with a partition
# node merged in (the "boot loader's DTB carries the config" path).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-build}/test-configs
mkdir -p "$out"
for dts in tests/configs/*.dts; do
    dtc -q -I dts -O dtb -o "$out/$(basename "${dts%.dts}").dtb" "$dts"
done
for dts in boards/*/*.dts; do
    board=$(basename "$(dirname "$dts")")
    dtc -q -I dts -O dtb -o "$out/$board-$(basename "${dts%.dts}").dtb" "$dts"
done
# QEMU virt's own DTB (GICv3, 4 cores) with tests/configs/platform-node.dtsi merged into it.
qemu-system-aarch64 -M virt,virtualization=on,gic-version=3,dumpdtb="$out/virt-gicv3.dtb" \
    -cpu cortex-a72 -smp 4 -m 1G -nic none -display none >/dev/null 2>&1
{ dtc -q -I dtb -O dts "$out/virt-gicv3.dtb"; cat tests/configs/platform-node.dtsi; } \
    | dtc -q -I dts -O dtb -o "$out/virt-gicv3-with-partitions.dtb" -
