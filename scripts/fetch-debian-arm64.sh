#!/usr/bin/env bash
# Fetches, from the Debian archive of the release this machine runs, the unmodified arm64 files
# the board and Linux-guest tests use (and `make run` with boards/qemu-virt/linux-rtos.dts):
#
# - from the arm64 linux-image package (what linux-image-arm64 depends on):
#   Debian's device trees of the boards Kairos supports (broadcom/bcm2711-rpi-4-b.dtb,
#   freescale/imx8mp-evk.dtb, plus imx8mq-evk.dtb and imx8mm-evk.dtb for reference) into
#   ${OUT:-build}/real-dtbs/, and its kernel (/boot/vmlinuz-*, a gzip-compressed arm64 Image,
#   decompressed: the hypervisor loads raw Images) into ${OUT:-build}/linux/Image;
# - busybox-static's arm64 busybox into ${OUT:-build}/linux/busybox (scripts/make-initramfs.sh
#   builds the guest's initramfs from it).
#
# The files are not the project's to commit. Each folder has SOURCE naming the package; they
# are fetched again only when one is missing. Nothing of the system's package state changes:
# apt runs with its own lists and cache under real-dtbs/apt (arm64 is not added to dpkg), and
# the .debs are deleted once the files are out. Exits non-zero, saying why, when the download
# fails (no network, say); the tests that need the files then fail with a message pointing at
# fetch.log.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${OUT:-build}/real-dtbs
linux=${OUT:-build}/linux
wanted=(broadcom/bcm2711-rpi-4-b.dtb freescale/imx8mp-evk.dtb freescale/imx8mq-evk.dtb freescale/imx8mm-evk.dtb)
mkdir -p "$out" "$linux"
out=$(cd "$out" && pwd)
linux=$(cd "$linux" && pwd)
log=$out/fetch.log

have_all() {
    local file
    for file in "${wanted[@]}"; do
        [ -s "$out/$(basename "$file")" ] || return 1
    done
    [ -s "$linux/Image" ] && [ -s "$linux/busybox" ]
}
if have_all; then
    echo "debian-arm64: cached: $(cat "$out/SOURCE" 2>/dev/null || echo 'source unknown'); $(cat "$linux/SOURCE" 2>/dev/null || echo 'source unknown')"
    exit 0
fi

fail() {
    echo "debian-arm64: $*" | tee -a "$log" >&2
    echo "debian-arm64: the tests that boot Debian's DTBs or kernel will fail; full log: $log" >&2
    exit 1
}

: >"$log"
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || fail "cannot tell the Debian release from /etc/os-release"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || fail "$keyring is missing (package debian-archive-keyring)"
# The Debian archive this machine's apt uses for its own release (no host is hard-coded here).
# (The Origin is known once apt has read the archive's Release file; before, take the entry alone.)
archive_of() {
    apt-get indextargets --format '$(REPO_URI)' "Codename: $codename" "Component: main" "Target-Of: deb" "$@" \
        2>>"$log" | head -1 || true
}
archive=$(archive_of "Origin: Debian")
[ -n "$archive" ] || archive=$(archive_of)
[ -n "$archive" ] || fail "no Debian archive for '$codename' among apt's sources (run apt-get update?)"

# apt with private state: arm64 index only, nothing shared with the system's apt.
state=$out/apt
rm -rf "$state"
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/sources.list.d"
echo "deb [arch=arm64 signed-by=$keyring] $archive $codename main" >"$state/sources.list"
: >"$state/status"
private=(
    -o Dir::Etc::SourceList="$state/sources.list" -o Dir::Etc::SourceParts="$state/sources.list.d"
    -o Dir::State="$state" -o Dir::State::Lists="$state/lists" -o Dir::State::status="$state/status"
    -o Dir::Cache="$state/cache" -o Dir::Cache::archives="$state/cache/archives"
    -o APT::Architecture=arm64 -o APT::Architectures::=arm64
)
apt_private() {
    apt-get -q "${private[@]}" \
        -o Acquire::Languages=none -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false \
        -o APT::Sandbox::User="$(id -un)" "$@"
}

echo "debian-arm64: reading the arm64 package index of Debian $codename ($archive)" >&2
apt_private update >>"$log" 2>&1 || true
# apt-get update only warns when the archive cannot be reached: check that the index arrived.
compgen -G "$state/lists/*_binary-arm64_Packages*" >/dev/null \
    || fail "could not download the arm64 package index from $archive (no network?)"
package=$(apt-cache "${private[@]}" depends linux-image-arm64 2>>"$log" \
    | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-arm64\)$/\1/p' | head -1 || true)
[ -n "$package" ] || fail "no linux-image-arm64 dependency found in the arm64 index"

# Downloads package $1 into the private cache and prints the .deb's path.
download() {
    echo "debian-arm64: downloading $1" >&2
    (cd "$state" && apt_private download "$1") >>"$log" 2>&1 || fail "apt-get download $1 failed (no network?)"
    local deb
    deb=$(ls "$state"/"$1"_*_arm64.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || fail "the download of $1 left no .deb"
    echo "$deb"
}

deb=$(download "$package")  # about 60 MB, once
patterns=("./boot/vmlinuz-*")
for file in "${wanted[@]}"; do patterns+=("./usr/lib/$package/$file"); done
dpkg-deb --fsys-tarfile "$deb" | tar -x --wildcards -C "$state" "${patterns[@]}" >>"$log" 2>&1 \
    || fail "$(basename "$deb") does not hold ${wanted[*]} and /boot/vmlinuz-*"
for file in "${wanted[@]}"; do
    cp "$state/usr/lib/$package/$file" "$out/"
done
source_line="$(basename "$deb" .deb) from $archive $codename"
echo "$source_line" >"$out/SOURCE"
# arm64 kernels do not decompress themselves: Debian's vmlinuz is a gzip-compressed Image.
vmlinuz=$(ls "$state"/boot/vmlinuz-* | head -1)
gzip -dc "$vmlinuz" >"$linux/Image.part" 2>>"$log" || cp "$vmlinuz" "$linux/Image.part"
mv "$linux/Image.part" "$linux/Image"
rm -f "$deb"

deb=$(download busybox-static)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$state" ./bin/busybox >>"$log" 2>&1 \
    || fail "$(basename "$deb") does not hold /bin/busybox"
cp "$state/bin/busybox" "$linux/busybox"
{
    echo "$source_line"
    echo "$(basename "$deb" .deb) from $archive $codename"
} >"$linux/SOURCE"
rm -rf "$state"
echo "debian-arm64: wrote $(cd "$out" && echo *.dtb) to $out, Image and busybox to $linux" | tee -a "$log" >&2
