#!/usr/bin/env bash
# Fetches Debian's own device trees of the boards Kairos supports, for the board tests (they boot
# Kairos on QEMU with the DTB the real firmware or U-Boot would pass, not only with the project's
# DTS): broadcom/bcm2711-rpi-4-b.dtb and freescale/imx8mp-evk.dtb, plus imx8mq-evk.dtb and
# imx8mm-evk.dtb for reference. They come from the arm64 linux-image package of the Debian
# release this machine runs, downloaded with apt-get from the Debian archive apt is set up with.
#
# The files are not the project's to commit: they land in ${OUT:-build}/real-dtbs/ (with
# SOURCE naming the package and fetch.log), and are fetched again only when one is missing.
# Nothing of the system's package state changes: apt runs with its own lists and cache under
# that folder (arm64 is not added to dpkg), and the .deb is deleted once the DTBs are out.
# Exits non-zero, saying why, when the download fails (no network, say); the tests that need
# the files then fail with a message pointing at fetch.log.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${OUT:-build}/real-dtbs
wanted=(broadcom/bcm2711-rpi-4-b.dtb freescale/imx8mp-evk.dtb freescale/imx8mq-evk.dtb freescale/imx8mm-evk.dtb)
mkdir -p "$out"
out=$(cd "$out" && pwd)
log=$out/fetch.log

have_all() {
    local file
    for file in "${wanted[@]}"; do
        [ -s "$out/$(basename "$file")" ] || return 1
    done
}
if have_all; then
    echo "real-dtbs: cached in $out ($(cat "$out/SOURCE" 2>/dev/null || echo 'source unknown'))"
    exit 0
fi

fail() {
    echo "real-dtbs: $*" | tee -a "$log" >&2
    echo "real-dtbs: the board tests that boot Debian's DTBs will fail; full log: $log" >&2
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
apt_private() {
    apt-get -q \
        -o Dir::Etc::SourceList="$state/sources.list" -o Dir::Etc::SourceParts="$state/sources.list.d" \
        -o Dir::State="$state" -o Dir::State::Lists="$state/lists" -o Dir::State::status="$state/status" \
        -o Dir::Cache="$state/cache" -o Dir::Cache::archives="$state/cache/archives" \
        -o APT::Architecture=arm64 -o APT::Architectures::=arm64 \
        -o Acquire::Languages=none -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false \
        -o APT::Sandbox::User="$(id -un)" "$@"
}

echo "real-dtbs: reading the arm64 package index of Debian $codename ($archive)" >&2
apt_private update >>"$log" 2>&1 || true
# apt-get update only warns when the archive cannot be reached: check that the index arrived.
compgen -G "$state/lists/*_binary-arm64_Packages*" >/dev/null \
    || fail "could not download the arm64 package index from $archive (no network?)"
package=$(apt-cache \
    -o Dir::Etc::SourceList="$state/sources.list" -o Dir::Etc::SourceParts="$state/sources.list.d" \
    -o Dir::State="$state" -o Dir::State::Lists="$state/lists" -o Dir::State::status="$state/status" \
    -o Dir::Cache="$state/cache" -o APT::Architecture=arm64 -o APT::Architectures::=arm64 \
    depends linux-image-arm64 2>>"$log" | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-arm64\)$/\1/p' | head -1 || true)
[ -n "$package" ] || fail "no linux-image-arm64 dependency found in the arm64 index"

echo "real-dtbs: downloading $package (about 60 MB, once)" >&2
(cd "$state" && apt_private download "$package") >>"$log" 2>&1 || fail "apt-get download $package failed (no network?)"
deb=$(ls "$state"/"$package"_*_arm64.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "the download of $package left no .deb"

patterns=()
for file in "${wanted[@]}"; do patterns+=("./usr/lib/$package/$file"); done
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$state" "${patterns[@]}" >>"$log" 2>&1 \
    || fail "$(basename "$deb") does not hold ${wanted[*]}"
for file in "${wanted[@]}"; do
    cp "$state/usr/lib/$package/$file" "$out/"
done
echo "$(basename "$deb" .deb) from $archive $codename" >"$out/SOURCE"
rm -rf "$state"
echo "real-dtbs: wrote $(cd "$out" && echo *.dtb) to $out" | tee -a "$log" >&2
