#!/usr/bin/env bash
# Counts the lines of code it took to paravirtualize the Kairos RTOS (guest-paravirt), the
# paper's "paravirtualization effort": code lines only (no blank lines, no comment lines, no
# unit tests: a file is counted up to its `#[cfg(test)]` module). Prints one row per file.
set -euo pipefail
cd "$(dirname "$0")/../guest-paravirt"
count() { # file: code lines before the first #[cfg(test)]
    awk '/^#\[cfg\(test\)\]/ { exit } /^[[:space:]]*$/ { next } /^[[:space:]]*\/\// { next } { n++ } END { print n + 0 }' "$1"
}
total=0
printf '| %-36s | %5s |\n' "paravirtual layer of the RTOS" "lines"
printf '|%s|%s|\n' "--------------------------------------" "-------"
for file in src/rtos/paravirt.rs src/rtos/checkpoint.rs src/rtos/slack.rs src/rtos/supply.rs src/paravirt/realtime.rs \
            src/recovery.rs src/arch/aarch64/recover.rs; do
    n=$(count "$file"); total=$((total + n))
    printf '| %-36s | %5d |\n' "$file" "$n"
done
calls=$(grep -cE 'paravirt\.|Paravirt::|Reporter\(' src/rtos/runtime.rs)
total=$((total + calls))
printf '| %-36s | %5d |\n' "calls in src/rtos/runtime.rs" "$calls"
printf '| %-36s | %5d |\n' "total" "$total"
kernel=0
for file in src/rtos/engine.rs src/rtos/ready.rs src/rtos/task.rs src/rtos/config.rs src/rtos/runtime.rs; do
    kernel=$((kernel + $(count "$file")))
done
printf '\nThe kernel itself (engine, ready, task, config, runtime): %d lines.\n' "$kernel"
header=$(grep -cvE '^[[:space:]]*$|^[[:space:]]*(/\*|\*|//)' include/kairos.h)
printf 'C binding include/kairos.h: %d lines (without blank and comment lines).\n' "$header"
