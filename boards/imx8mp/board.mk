# NXP i.MX 8M Plus EVK and QEMU imx8mp-evk: what the device tree cannot tell.
# Memory, the 4 cores (PSCI), the GICv3, the i.MX console UART and PSCI's conduit come from the
# DTB U-Boot (or QEMU -dtb) passes. See boards/README.md.

# RAM starts at 0x4000_0000; booti and QEMU put the Image at RAM base + text_offset (0x8_0000).
LOAD_ADDR := 0x40080000

# QEMU imx8mp-evk: 4 Cortex-A53, raw image entered at EL2, PSCI by SMC (QEMU's own).
QEMU_MACHINE := -M imx8mp-evk -smp 4 -m 2G
# The console, UART2, is QEMU's second serial port.
QEMU_CONSOLE := -display none -serial null -serial mon:stdio
CONSOLE_SERIAL := 1
# QEMU needs a DTB for this machine: the project's description of the board.
QEMU_DTB := $(BUILD)/platform.dtb

# For U-Boot on the EVK (boards/README.md): the Image, the partition config as an initrd and
# boot.scr. The config goes in a legacy U-Boot ramdisk image: handed over bare, a DTB would look
# like a FIT image to booti (both are flattened device trees), which then refuses it.
IMX8MP_BOOT := $(BUILD)/boot
BOARD_FILES := $(IMX8MP_BOOT)/Image $(IMX8MP_BOOT)/kairos-partitions.img $(IMX8MP_BOOT)/boot.scr $(QEMU_DTB)

$(IMX8MP_BOOT)/Image: $(IMAGE)
	@mkdir -p $(dir $@)
	@cp $< $@

$(IMX8MP_BOOT)/kairos-partitions.img: $(CONFIG_DTB)
	@mkdir -p $(dir $@)
	@rm -f $(IMX8MP_BOOT)/kairos-partitions.dtb  # what earlier builds handed over, bare
	@mkimage -A arm64 -O linux -T ramdisk -C none -n "Kairos partitions" -d $< $@ >/dev/null

$(IMX8MP_BOOT)/boot.scr: boards/imx8mp/boot.cmd
	@mkdir -p $(dir $@)
	@mkimage -A arm64 -O linux -T script -C none -n "Kairos boot" -d $< $@ >/dev/null

$(BUILD)/platform.dtb: boards/imx8mp/platform.dts
	@mkdir -p $(dir $@)
	@dtc -q -I dts -O dtb -o $@ $<
