#!/usr/bin/env bash
# Where the hypervisor's code goes: the sizes of its .text and .rodata symbols (nm) summed by
# crate (hypervisor by top-level module), without the built-in guest images. Generic library
# code instantiated out of line counts under its library (core, alloc, spin...), code inlined
# into a function under that function's crate; kairos_primary_main is the boot path with
# everything inlined into it. What no sized symbol covers (strings, panic locations, jump
# tables, the vector and entry assembly) is the last row but one. make bench prints it;
# alone: bash scripts/code-by-crate.sh [kairos.elf].
set -euo pipefail
cd "$(dirname "$0")/.."
elf=${1:-${OUT:-build}/qemu-virt/kairos.elf}
sections=$(aarch64-linux-gnu-size -A "$elf" | awk '$1 == ".text" || $1 == ".rodata" { s += $2 } END { print s }')
aarch64-linux-gnu-nm --size-sort -S -C "$elf" | python3 -c '
import re, sys
sections = int(sys.argv[1])
sizes, named = {}, 0
for line in sys.stdin:
    fields = line.split(None, 3)
    if len(fields) < 4 or fields[2] not in "tTrR" or "::images::IMAGE_" in fields[3]:  # .guest_images
        continue
    size, name = int(fields[1], 16), fields[3]
    named += size
    path = re.split(r"::|<| as |\s", name.lstrip("<&*[").replace("dyn ", "").replace("mut ", ""))
    crate = path[0]
    if name.startswith("core::slice::sort::"):
        crate = "core::slice::sort (every sort instantiation)"
    elif crate == "hypervisor" and len(path) > 1:
        crate = "hypervisor::" + path[1]
    elif crate == "kairos_primary_main":
        crate = "boot path (kairos_primary_main)"
    elif not re.match(r"^[a-z_][a-z0-9_]*$", crate) or crate in ("str", "char", "u8", "u32", "u64", "usize", "i64", "T"):
        crate = "core (impls on primitive or generic types)"
    elif crate.startswith("__") or crate in ("memcpy", "memset", "memcmp", "memmove"):
        crate = "compiler_builtins"
    elif crate.startswith("kairos_"):
        crate = "hypervisor (assembly)"
    sizes[crate] = sizes.get(crate, 0) + size
rows = sorted(sizes.items(), key=lambda item: -item[1])
print("| %-48s | %8s |" % ("crate or module", "bytes"))
print("|%s|%s|" % ("-" * 50, "-" * 10))
for crate, size in rows:
    if size >= 1024:
        print("| %-48s | %8d |" % (crate, size))
small = sum(size for _, size in rows if size < 1024)
print("| %-48s | %8d |" % ("the rest (each under 1 KiB)", small))
print("| %-48s | %8d |" % ("no sized symbol (strings, panic locations, asm)", sections - named))
print("| %-48s | %8d |" % ("total: .text + .rodata (guest images apart)", sections))
' "$sections"
