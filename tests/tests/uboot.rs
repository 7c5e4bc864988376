//! Debian's u-boot-qemu `qemu_arm64/u-boot.bin` (fetched by `scripts/fetch-uboot.sh`, never
//! committed), an unmodified, real boot loader: in a partition, it reaches its prompt on the VM's
//! emulated PL011 and device tree beside a Rust guest; as the machine's firmware, it runs the
//! i.MX 8M Plus boot script, which boots Kairos. The script's addresses are also checked against
//! the EVK's RAM and the sizes of what it loads.

use std::path::Path;
use std::time::Duration;
use system_tests::{built, config, real_dtb, tool, virt_dtb, Qemu, Scratch};

#[test]
fn debian_u_boot_reaches_its_prompt_beside_a_rust_guest() {
    let uboot = built("u-boot/u-boot.bin");
    let loader = format!(
        "loader,file={},addr=0x60000000,force-raw=on",
        uboot.display()
    );
    let run = Qemu::virt(3, 4)
        .initrd(&config("uboot"))
        .arg("-device")
        .arg(&loader)
        .type_when("[uboot] =>", "poweroff\r")
        .timeout(Duration::from_secs(120))
        .run();
    run.assert_clean_exit();
    run.assert_line("[uboot] U-Boot 20");
    run.assert_line("[uboot] DRAM:  64 MiB");
    run.assert_line("[uboot] In:    serial@9000000");
    run.assert_line("[uboot] =>");
    run.assert_line("[rust] hello done");
    assert!(
        run.events_named("vm_fault").is_empty(),
        "U-Boot ran without a fault: {}",
        run.output
    );
    assert!(run.events_named("panic").is_empty());
}

/// A 32 MiB disk with an MBR and one FAT partition from 1 MiB holding `files` (`(name on
/// disk, path)`), made with mtools as anyone can without root.
fn fat_disk(disk: &Path, files: &[(&str, &Path)]) {
    const SIZE: u64 = 32 << 20;
    const START: u32 = 2048; // sectors of 512 bytes: the partition starts at 1 MiB
    let mut mbr = vec![0u8; 512];
    let sectors = (SIZE / 512) as u32 - START;
    // One primary partition: not bootable, CHS unused, type 0x0e (FAT16, LBA).
    mbr[446..450].copy_from_slice(&[0x00, 0xfe, 0xff, 0xff]);
    mbr[450..454].copy_from_slice(&[0x0e, 0xfe, 0xff, 0xff]);
    mbr[454..458].copy_from_slice(&START.to_le_bytes());
    mbr[458..462].copy_from_slice(&sectors.to_le_bytes());
    mbr[510..512].copy_from_slice(&[0x55, 0xaa]);
    std::fs::write(disk, &mbr).unwrap_or_else(|e| panic!("{}: {e}", disk.display()));
    std::fs::OpenOptions::new()
        .write(true)
        .open(disk)
        .unwrap()
        .set_len(SIZE)
        .unwrap();
    let partition = format!("{}@@1M", disk.display());
    tool("mformat", &["-i", &partition, "::"]);
    for (name, path) in files {
        let target = format!("::{name}");
        tool(
            "mcopy",
            &["-i", &partition, path.to_str().unwrap(), &target],
        );
    }
}

#[test]
fn the_imx8mp_boot_script_boots_kairos_under_debians_u_boot() {
    // The EVK's boot files on a disk, as on its SD card: Image, kairos-partitions.img,
    // boot.scr, and (QEMU has no i.MX 8M Plus U-Boot) QEMU virt's own DTB as the board DTB.
    // RAM starts at 0x4000_0000 on both, so the i.MX Image runs there unchanged.
    let virt = Scratch::new("virt.dtb");
    virt_dtb(4, virt.path());
    let disk = Scratch::new("imx8mp-boot.img");
    fat_disk(
        disk.path(),
        &[
            ("Image", &built("imx8mp/boot/Image")),
            (
                "kairos-partitions.img",
                &built("imx8mp/boot/kairos-partitions.img"),
            ),
            ("boot.scr", &built("imx8mp/boot/boot.scr")),
            ("virt.dtb", virt.path()),
        ],
    );
    let drive = format!("if=none,file={},format=raw,id=card", disk.path().display());
    // Stop the autoboot to name the board DTB, then boot as the EVK does: distro boot finds
    // boot.scr on the disk's first partition and sources it.
    let run = Qemu::virt(3, 4)
        .firmware(&built("u-boot/u-boot.bin"))
        .arg("-drive")
        .arg(&drive)
        .arg("-device")
        .arg("virtio-blk-device,drive=card")
        .type_when("Hit any key to stop autoboot", "\r")
        .type_when("=> ", "setenv fdtfile virt.dtb; run bootcmd\r")
        .timeout(Duration::from_secs(180))
        .run();
    run.assert_clean_exit();
    run.assert_line("U-Boot 20");
    run.assert_line("Found U-Boot script /boot.scr");
    run.assert_line("Kairos: loading Image, virt.dtb and kairos-partitions.img from virtio 0:1");
    run.assert_line("Loading init Ramdisk from Legacy Image");
    run.assert_line("Starting kernel ...");
    let boot = &run.events_named("boot")[0];
    assert_eq!(
        (boot["el"].as_u64(), boot["board"].as_str()),
        (Some(2), Some("imx8mp"))
    );
    assert_eq!(run.events_named("config")[0]["source"], "initrd");
    assert!(
        run.events_named("config_error").is_empty(),
        "{}",
        run.output
    );
    assert_eq!(
        run.events_named("vm_started").len(),
        3 + 2,
        "three VMs, two of them moved"
    );
    run.assert_line("[rtos0] DONE jobs=60 misses=0");
    assert_eq!(run.events_named("system_off").len(), 1);
}

/// `setenv <name> <value>` and `setenv <name> <value>` inside `if test -z ...` of boot.cmd.
fn script_address(script: &str, name: &str) -> u64 {
    let needle = format!("setenv {name} 0x");
    let at = script
        .find(&needle)
        .unwrap_or_else(|| panic!("boot.cmd sets no {name}"))
        + needle.len();
    let hex: String = script[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    u64::from_str_radix(&hex, 16).unwrap()
}

#[test]
fn the_imx8mp_boot_script_keeps_image_dtb_and_config_apart_in_the_evks_ram() {
    let script =
        std::fs::read_to_string(system_tests::root().join("boards/imx8mp/boot.cmd")).unwrap();
    let image = std::fs::read(built("imx8mp/boot/Image")).unwrap();
    // The Image's footprint from its header (BSS, stacks and heap included), where booti puts it.
    let image_size = u64::from_le_bytes(image[16..24].try_into().unwrap());
    let text_offset = u64::from_le_bytes(image[8..16].try_into().unwrap());
    let kairos = script_address(&script, "kairos_addr");
    let dtb = std::fs::read(real_dtb("imx8mp-evk.dtb")).unwrap();
    let config = std::fs::metadata(built("imx8mp/boot/kairos-partitions.img"))
        .unwrap()
        .len();
    let regions = [
        ("Image", kairos, image_size),
        (
            "imx8mp-evk.dtb",
            script_address(&script, "fdt_addr_r"),
            dtb.len() as u64,
        ),
        (
            "kairos-partitions.img",
            script_address(&script, "ramdisk_addr_r"),
            config,
        ),
    ];
    let ram = platform::Platform::from_dtb(&dtb).unwrap().memory;
    assert_eq!(
        kairos,
        ram[0].base + text_offset,
        "booti would move the Image elsewhere"
    );
    for (i, (name, base, size)) in regions.iter().enumerate() {
        assert!(
            ram.iter()
                .any(|r| r.base <= *base && base + size <= r.base + r.size),
            "{name} [{base:#x}, +{size:#x}) is outside the EVK's RAM {ram:?}"
        );
        for (other, other_base, other_size) in &regions[i + 1..] {
            assert!(
                base + size <= *other_base || other_base + other_size <= *base,
                "{name} [{base:#x}, +{size:#x}) overlaps {other} [{other_base:#x}, +{other_size:#x})"
            );
        }
    }
}
