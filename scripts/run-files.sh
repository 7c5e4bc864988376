#!/usr/bin/env bash
# `make run`: the QEMU arguments that place the external files a partition config names, as a
# boot loader would. For each VM node with kairos,image-file (kairos,ramdisk-file), prints
# `-device loader,file=<file>,addr=<address>,force-raw=on` with the address of its
# kairos,image-reg (kairos,ramdisk-reg), after checking that the file fits in that region.
# Paths are relative to the repository root. The project's own Linux guest files
# (build/linux/Image, build/linux/initramfs.cpio) are fetched and built when missing.
#
# Usage: run-files.sh <compiled config.dtb>
set -euo pipefail
cd "$(dirname "$0")/.."
dtb=$1
out=${OUT:-build}

node=/hypervisor
if fdtget -t s "$dtb" / compatible 2>/dev/null | grep -qw "kairos,hypervisor"; then node=; fi
fdtget "$dtb" "${node:-/}" compatible >/dev/null 2>&1 || exit 0
cells=$(fdtget -t u "$dtb" "${node:-/}" '#address-cells' 2>/dev/null || echo 2)
size_cells=$(fdtget -t u "$dtb" "${node:-/}" '#size-cells' 2>/dev/null || echo 1)

# The number made of cells $2.. ($1 of them), as hex.
number() {
    local count=$1 value=0 cell
    shift
    for cell in "${@:1:$count}"; do value=$(( (value << 32) | 0x$cell )); done
    printf '%#x' "$value"
}

# Makes the project's own Linux guest files when they are missing.
make_linux_file() {
    case "$1" in
    "$out"/linux/Image) bash scripts/fetch-debian-arm64.sh >&2 ;;
    "$out"/linux/initramfs.cpio)
        [ -s "$out/linux/busybox" ] || bash scripts/fetch-debian-arm64.sh >&2
        bash scripts/make-initramfs.sh "$out/linux/busybox" boards/linux/init "$1" >&2 ;;
    esac
}

for vm in $(fdtget -l "$dtb" "${node:-/}"); do
    path="$node/$vm"
    for kind in image ramdisk; do
        file=$(fdtget -t s "$dtb" "$path" "kairos,$kind-file" 2>/dev/null) || continue
        reg=$(fdtget -t x "$dtb" "$path" "kairos,$kind-reg" 2>/dev/null) || {
            echo "make run: $path has kairos,$kind-file but no kairos,$kind-reg saying where it goes" >&2
            exit 1
        }
        read -r -a words <<<"$reg"
        address=$(number "$cells" "${words[@]}")
        limit=$(number "$size_cells" "${words[@]:$cells}")
        [ -e "$file" ] || make_linux_file "$file"
        [ -e "$file" ] || {
            echo "make run: $file (kairos,$kind-file of $path) does not exist" >&2
            exit 1
        }
        size=$(stat -L -c %s "$file")
        if [ "$size" -gt "$((limit))" ]; then
            echo "make run: $file ($size bytes) does not fit in kairos,$kind-reg of $path ($limit bytes)" >&2
            exit 1
        fi
        echo "make run: placing $file ($size bytes) at $address for $path" >&2
        printf -- '-device loader,file=%s,addr=%s,force-raw=on ' "$file" "$address"
    done
done
