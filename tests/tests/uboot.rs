//! An unmodified, real boot loader in a partition: Debian's u-boot-qemu `qemu_arm64/u-boot.bin`
//! (fetched by `scripts/fetch-uboot.sh`, never committed) reaches its prompt on the VM's
//! emulated PL011 and device tree, beside a Rust guest.

use std::time::Duration;
use system_tests::{built, config, Qemu};

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
