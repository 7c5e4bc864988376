# Raspberry Pi 4 Model B (BCM2711) and QEMU raspi4b: what the device tree cannot tell.
# Memory, the 4 cores and their spin-table release addresses, the GIC-400, the console UART and
# the timer come from the DTB the firmware (or QEMU -dtb) passes. See boards/README.md.

# The firmware (with kernel_address in config.txt) and QEMU raspi4b load the Image at 0x8_0000:
# RAM base 0 + text_offset.
LOAD_ADDR := 0x80000

# QEMU raspi4b: 4 Cortex-A72, 2 GiB, raw image entered at EL2 like the firmware does. The Pi's
# firmware programs the 54 MHz system counter into CNTFRQ_EL0; QEMU would leave 62.5 MHz, hence
# the cntfrq property. The Pi has no PSCI, so nothing can power it off: with -semihosting the
# hypervisor ends the run with a semihosting SYS_EXIT instead (on the real board it halts).
QEMU_MACHINE := -M raspi4b -smp 4 -global cortex-a72-arm-cpu.cntfrq=54000000 -semihosting
# The board DTS below names the PL011 (UART0, QEMU's first serial port) as the console. Debian's
# bcm2711-rpi-4-b.dtb names the mini UART (serial1, QEMU's second port): there use
# -serial null -serial mon:stdio (tests/tests/boards.rs does).
QEMU_CONSOLE := -nographic -nic none
# QEMU gives raspi4b no DTB of its own: `make run` passes the project's description of the board.
QEMU_DTB := $(BUILD)/platform.dtb

# What goes on the SD card's boot partition, next to the firmware (boards/README.md). The Image
# has a name of its own, kairos.img (config.txt: kernel=kairos.img), so that copying it there
# never overwrites the kernel8.img of the Raspberry Pi OS already on the card.
RPI4_BOOT := $(BUILD)/boot
BOARD_FILES := $(RPI4_BOOT)/kairos.img $(RPI4_BOOT)/config.txt \
	$(RPI4_BOOT)/overlays/kairos-partitions.dtbo $(QEMU_DTB)

$(RPI4_BOOT)/kairos.img: $(IMAGE)
	@mkdir -p $(dir $@)
	@rm -f $(RPI4_BOOT)/kernel8.img  # what earlier builds called it
	@cp $< $@

$(RPI4_BOOT)/config.txt: boards/rpi4/config.txt
	@mkdir -p $(dir $@)
	@cp $< $@

# dtc cannot know the cells of the node the overlay lands in, hence -q.
$(RPI4_BOOT)/overlays/kairos-partitions.dtbo: boards/rpi4/kairos-partitions.dtso boards/demo-vms.dtsi
	@mkdir -p $(dir $@)
	@dtc -q -@ -I dts -O dtb -o $@ $<

$(BUILD)/platform.dtb: boards/rpi4/platform.dts
	@mkdir -p $(dir $@)
	@dtc -q -I dts -O dtb -o $@ $<
