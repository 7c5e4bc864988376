//! `rtos`: the Kairos paravirtualized real-time kernel as a guest image.
//!
//! Reads its task set from `/kairos/tasks` in the device tree the hypervisor passes in `x0`
//! (the VM config node's `tasks`, binding in docs/bindings/kairos-partitions.md); without one
//! (`x0 == 0`, no such node) it runs the built-in demo (`guest_paravirt::rtos::config::demo`)
//! and says so. A task named `checksum` runs real code (a CRC over a buffer, padded to its WCET);
//! every other task is synthetic. Built for any other target it is an empty program.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("rtos is a Kairos guest image: build it with --target aarch64-unknown-none");
}

#[cfg(target_os = "none")]
mod guest {
    extern crate alloc;

    use alloc::vec::Vec;

    use guest_paravirt::println;
    use guest_paravirt::rtos::config::{demo, Setup, TASKS_PATH};
    use guest_paravirt::rtos::{runtime, Function, JobInfo, Occupy, Synthetic, TaskBody};

    /// Largest device tree the guest reads.
    const DTB_MAX: usize = 1 << 20;

    /// The guest's entry point, called by the library's boot code with the device tree address.
    #[no_mangle]
    extern "C" fn guest_main(dtb: u64) -> ! {
        let (config, source) =
            match device_tree(dtb).map(|blob| partition_config::tasks_from_dtb(blob, TASKS_PATH)) {
                Some(Ok(Some(config))) => (config, "dt"),
                Some(Err(errors)) => {
                    for error in &errors {
                        println!("rtos: {error}");
                    }
                    guest_paravirt::fatal::stop(format_args!(
                        "rtos: invalid task set in the device tree"
                    ))
                }
                None | Some(Ok(None)) => {
                    println!(
                    "rtos: no {TASKS_PATH} in the device tree: running the built-in demo task set"
                );
                    (demo(), "demo")
                }
            };
        let setup = Setup::from_config(&config);
        let bodies: Vec<&'static dyn TaskBody> =
            setup.names.iter().map(|name| body(name)).collect();
        runtime::start(setup, bodies, source)
    }

    /// The device tree at `address`, if there is a plausible one.
    fn device_tree(address: u64) -> Option<&'static [u8]> {
        if address == 0 || !address.is_multiple_of(8) {
            return None;
        }
        let header = address as *const u32;
        // SAFETY: the hypervisor passes the guest-physical address of the DTB it placed in this
        // VM's RAM (identity-mapped: the MMU is off); its 8-byte header is read first.
        let (magic, size) = unsafe {
            (
                u32::from_be(header.read_volatile()),
                u32::from_be(header.add(1).read_volatile()),
            )
        };
        if magic != 0xd00d_feed || size as usize > DTB_MAX || size < 40 {
            return None;
        }
        // SAFETY: as above, for `totalsize` bytes; nothing writes the DTB while the guest runs.
        Some(unsafe { core::slice::from_raw_parts(address as *const u8, size as usize) })
    }

    /// What task `name` runs.
    fn body(name: &str) -> &'static dyn TaskBody {
        static SYNTHETIC: Synthetic = Synthetic;
        static CHECKSUM: Function = Function(checksum);
        match name {
            "checksum" => &CHECKSUM,
            _ => &SYNTHETIC,
        }
    }

    /// Real code: a CRC-32 over 1 KiB, kept within the task's WCET budget.
    fn checksum(job: &JobInfo) -> Occupy {
        let mut crc = !0u32;
        for index in 0..1024u32 {
            let byte = (index ^ job.job as u32) as u8;
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
            }
        }
        core::hint::black_box(!crc);
        Occupy::Wcet
    }
}
