#!/usr/bin/env bash
# Fetches Debian's u-boot-qemu package and extracts qemu_arm64/u-boot.bin (an unmodified, real
# boot loader) for the test that boots it in a partition. Cached under $OUT/u-boot; never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${OUT:-build}/u-boot
if [ -f "$dir/u-boot.bin" ]; then exit 0; fi
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && apt-get download -q u-boot-qemu >/dev/null 2>&1 ) || {
    [ "$(id -u)" = 0 ] && apt-get update -qq && ( cd "$tmp" && apt-get download -q u-boot-qemu >/dev/null )
}
dpkg-deb -x "$tmp"/u-boot-qemu_*.deb "$tmp/x"
cp "$tmp/x/usr/lib/u-boot/qemu_arm64/u-boot.bin" "$dir/u-boot.bin"
echo "fetch-uboot: $(dpkg-deb -f "$tmp"/u-boot-qemu_*.deb Version) -> $dir/u-boot.bin"
