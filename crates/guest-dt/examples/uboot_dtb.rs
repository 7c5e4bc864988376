//! Writes the DTB of a 1-vCPU GICv3 VM laid out like QEMU `virt`, for booting U-Boot on it.
//!
//! Usage: `cargo run -p guest-dt --example uboot_dtb -- [OUT.dtb]` (default `vm.dtb`). The VM has
//! 64 MiB of RAM at 0x4000_0000, a PL011 at 0x0900_0000 on SPI 1 (INTID 33) and PSCI over SMC,
//! so U-Boot's `qemu_arm64` build can run on `qemu-system-aarch64 -M virt` with this DTB.

use guest_dt::{Gic, GuestMemory, PsciMethod, Uart, VirtualPlatform};

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "vm.dtb".to_string());
    let memory = GuestMemory {
        ipa_base: 0x4000_0000,
        size: 64 << 20,
    };
    let gic = Gic::V3 {
        distributor: (0x0800_0000, 0x1_0000),
        redistributors: (0x080a_0000, 0xf6_0000),
    };
    let mut platform = VirtualPlatform::new("uboot-test", 0, memory, 1, gic);
    platform.console = Some(Uart {
        base: 0x0900_0000,
        size: 0x1000,
        irq_spi: 1,
    });
    platform.psci = PsciMethod::Smc;
    let dtb = platform
        .build()
        .unwrap_or_else(|error| panic!("building the DTB: {error}"));
    std::fs::write(&out, &dtb).unwrap_or_else(|error| panic!("writing {out}: {error}"));
    println!("wrote {out} ({} bytes)", dtb.len());
}
