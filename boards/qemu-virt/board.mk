# QEMU virt: what the device tree cannot tell. Everything else (memory, cores, GIC, UART, PSCI,
# timer) is read from the DTB QEMU generates and passes in x0.

# Where the raw Image is loaded: RAM base 0x4000_0000 + arm64 text_offset 0x80000.
LOAD_ADDR := 0x40080000

# The machine `make run` boots: GICv3, 4 cores, virtualization extensions on (EL2 entry).
QEMU_MACHINE := -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -smp 4 -m 1G
QEMU_CONSOLE := -nographic -nic none
