#!/usr/bin/env bash
# Builds the small initramfs the Linux guest boots with (boards/qemu-virt/linux-rtos.dts, the
# Linux tests): Debian's static busybox (fetched by scripts/fetch-debian-arm64.sh) and
# boards/linux/init, as an uncompressed newc cpio archive written here in bash (no cpio tool
# needed, and /dev/console can be made without root: the kernel opens it before init runs).
#
# Usage: make-initramfs.sh <busybox> <init script> <output.cpio>
set -euo pipefail
[ $# = 3 ] || { echo "usage: $0 <busybox> <init> <output.cpio>" >&2; exit 2; }
busybox=$1 init=$2 output=$3
for file in "$busybox" "$init"; do
    [ -s "$file" ] || { echo "make-initramfs: $file is missing (run scripts/fetch-debian-arm64.sh)" >&2; exit 1; }
done

inode=1
# entry <name> <mode (octal)> <file or empty> [<major> <minor>]: one newc header, name, data.
entry() {
    local name=$1 mode=$2 file=$3 major=${4:-0} minor=${5:-0} size=0
    [ -n "$file" ] && size=$(stat -c %s "$file")
    local namesize=$(( ${#name} + 1 ))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$inode" "$((8#$mode))" 0 0 1 0 "$size" 0 0 "$major" "$minor" "$namesize" 0
    printf '%s\0' "$name"
    # The header (110 bytes) and name are padded to a multiple of 4, and so is the data.
    head -c $(( (4 - (110 + namesize) % 4) % 4 )) /dev/zero
    if [ -n "$file" ]; then
        cat "$file"
        head -c $(( (4 - size % 4) % 4 )) /dev/zero
    fi
    inode=$((inode + 1))
}

{
    entry . 040755 ""
    for dir in bin dev proc sys; do entry "$dir" 040755 ""; done
    entry dev/console 020600 "" 5 1
    entry bin/busybox 0100755 "$busybox"
    entry init 0100755 "$init"
    entry TRAILER!!! 0 ""
} >"$output.part"
mv "$output.part" "$output"
echo "make-initramfs: wrote $output ($(stat -c %s "$output") bytes)"
