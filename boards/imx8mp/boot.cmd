# U-Boot script for Kairos on the i.MX 8M Plus EVK (boot.scr is this file through mkimage).
# Loads the hypervisor Image, the board DTB and the partition config from the partition this
# script was loaded from (or mmc ${mmcdev}:1), and starts Kairos at EL2 with booti. The partition
# config goes over as the initrd, a legacy U-Boot ramdisk image holding the config's DTB (a bare
# DTB would be taken for a FIT image); booti passes its contents, Kairos reads /chosen
# linux,initrd-*. booti fills in /memory and /chosen of the board DTB; PSCI is the firmware's
# (TF-A, SMC). tests/tests/uboot.rs runs this script under Debian's U-Boot in QEMU.

# Where Kairos is linked (LOAD_ADDR in boards/imx8mp/board.mk: RAM base + text_offset). booti
# would move the Image there anyway (its header does not allow "anywhere").
# The board DTB and the config go where U-Boot's environment keeps DTBs and ramdisks.
setenv kairos_addr 0x40080000
if test -z "${fdt_addr_r}"; then setenv fdt_addr_r 0x43000000; fi
if test -z "${ramdisk_addr_r}"; then setenv ramdisk_addr_r 0x43800000; fi
if test -z "${fdtfile}"; then setenv fdtfile imx8mp-evk.dtb; fi
if test -z "${devtype}"; then setenv devtype mmc; fi
if test -z "${devnum}"; then setenv devnum ${mmcdev}; fi
if test -z "${distro_bootpart}"; then setenv distro_bootpart 1; fi

echo "Kairos: loading Image, ${fdtfile} and kairos-partitions.img from ${devtype} ${devnum}:${distro_bootpart}"
load ${devtype} ${devnum}:${distro_bootpart} ${kairos_addr} Image || exit
load ${devtype} ${devnum}:${distro_bootpart} ${fdt_addr_r} ${fdtfile} || exit
if load ${devtype} ${devnum}:${distro_bootpart} ${ramdisk_addr_r} kairos-partitions.img; then
	setenv kairos_initrd ${ramdisk_addr_r}
else
	echo "Kairos: no kairos-partitions.img, the config built into the Image is used"
	setenv kairos_initrd -
fi

booti ${kairos_addr} ${kairos_initrd} ${fdt_addr_r}
