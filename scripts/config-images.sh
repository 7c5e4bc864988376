#!/usr/bin/env bash
# The built-in guest images the partition configs given as arguments (.dts or .dtb) name with
# `kairos,image`, one per line, each once: what a shipped Image must carry to run them.
set -euo pipefail
for config in "$@"; do
    case $config in
        *.dtb) format=dtb ;;
        *) format=dts ;;
    esac
    dtc -q -I "$format" -O dts "$config"
done | sed -n 's/.*kairos,image = "\([^"]*\)".*/\1/p' | sort -u
