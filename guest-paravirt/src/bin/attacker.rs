//! `attacker`: a hostile guest for the containment tests. It tries, one after another, to reach
//! memory, devices, interrupts and cores that are not its own, and to upset the hypervisor with
//! bad hypercalls and a flood of them; it prints whether each attempt was refused. Faults are
//! reflected back to it as aborts (VM policy `kairos,on-fault = "inject"`), which the library's
//! `stepping_vectors` table counts and steps over, so it gets through the whole list and finally
//! powers itself off.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("attacker is a Kairos guest image: build it with --target aarch64-unknown-none");
}

#[cfg(target_os = "none")]
mod guest {
    use guest_paravirt::{arch::aarch64::stepping_vectors, paravirt::psci, println};

    fn raw_hvc(function: u64, a1: u64, a2: u64) -> i64 {
        let mut x0 = function;
        // SAFETY: an HVC to the hypervisor; SMCCC lets it clobber x1-x17, declared here.
        unsafe {
            core::arch::asm!("hvc #0", inout("x0") x0, inout("x1") a1 => _, inout("x2") a2 => _,
                out("x3") _, out("x4") _, out("x5") _, out("x6") _, out("x7") _, out("x8") _,
                out("x9") _, out("x10") _, out("x11") _, out("x12") _, out("x13") _, out("x14") _,
                out("x15") _, out("x16") _, out("x17") _)
        };
        x0 as i64
    }

    fn raw_smc(function: u64, a1: u64, a2: u64, a3: u64) -> i64 {
        let mut x0 = function;
        // SAFETY: an SMC trapped by the hypervisor; SMCCC lets it clobber x1-x17.
        unsafe {
            core::arch::asm!("smc #0", inout("x0") x0, inout("x1") a1 => _, inout("x2") a2 => _,
                inout("x3") a3 => _, out("x4") _, out("x5") _, out("x6") _, out("x7") _, out("x8") _,
                out("x9") _, out("x10") _, out("x11") _, out("x12") _, out("x13") _, out("x14") _,
                out("x15") _, out("x16") _, out("x17") _)
        };
        x0 as i64
    }

    /// Runs `attempt` and reports whether it raised an abort.
    fn expect_abort(name: &str, attempt: impl FnOnce()) {
        let before = stepping_vectors::aborts();
        attempt();
        if stepping_vectors::aborts() > before {
            println!(
                "attack {name}: refused (abort, esr {:#x})",
                stepping_vectors::last_esr()
            );
        } else {
            println!("attack {name}: NOT REFUSED");
        }
    }

    fn expect_error(name: &str, status: i64, wanted: i64) {
        if status == wanted {
            println!("attack {name}: refused (error {status})");
        } else {
            println!("attack {name}: NOT REFUSED (status {status}, wanted {wanted})");
        }
    }

    fn read(address: u64) {
        // SAFETY: deliberately reading memory this VM does not own: the hypervisor must refuse
        // (stage 2) and reflect an abort, which the stepping vector table steps over.
        unsafe { core::ptr::read_volatile(address as *const u64) };
    }

    fn write(address: u64, value: u32) {
        // SAFETY: as in `read`, a deliberate write the hypervisor must refuse.
        unsafe { core::ptr::write_volatile(address as *mut u32, value) };
    }

    #[no_mangle]
    extern "C" fn guest_main(_dtb: u64) -> ! {
        stepping_vectors::install(None);
        println!("attacker starting");
        expect_abort("read-other-vm-ram", || read(0x4160_0000));
        expect_abort("write-other-vm-ram", || write(0x4260_0000, 0xdead));
        expect_abort("read-below-ram", || read(0x3fff_f000));
        expect_abort("write-far-memory", || write(0x7fff_f000, 1));
        expect_abort("write-gic-distributor", || write(0x0800_0104, 0xffff_ffff));
        expect_abort("read-unassigned-device", || read(0x0a00_0000));
        expect_abort("read-flash", || read(0x0000_0000));
        expect_abort("jump-outside-ram", || {
            // SAFETY: a deliberate branch outside this VM's memory: an instruction abort comes
            // back, and the vector resumes at the return address.
            unsafe { core::arch::asm!("blr {0}", in(reg) 0x4200_0000u64, out("x30") _) };
        });
        // Its own RAM starts at 0x4000_0000 too, so the hypervisor's physical address shows
        // this VM's own image (the arm64 header magic), never the hypervisor.
        // SAFETY: reading its own RAM.
        let magic = unsafe { core::ptr::read_volatile(0x4008_0038 as *const u32) };
        println!(
            "attack read-hypervisor-address: sees own image (magic {:#x})",
            magic
        );
        expect_error(
            "psci-cpu-on-other-core",
            raw_smc(0xC400_0003, 2, 0x4008_0000, 0),
            -2,
        );
        expect_error(
            "psci-cpu-on-own-running-core",
            raw_smc(0xC400_0003, 0, 0x4008_0000, 0),
            -4,
        );
        expect_error("smc-to-firmware", raw_smc(0x8200_0001, 0, 0, 0), -1);
        expect_error("hvc-unknown-function", raw_hvc(0xC600_00FF, 0, 0), -1);
        expect_error("hvc-garbage-id", raw_hvc(0xdead_beef_dead_beef, 1, 2), -1);
        expect_error("console-null-pointer", raw_hvc(0xC600_0001, 0, 16), -4);
        expect_error(
            "console-pointer-wraps",
            raw_hvc(0xC600_0001, u64::MAX - 3, 16),
            -4,
        );
        expect_error(
            "console-huge-length",
            raw_hvc(0xC600_0001, 0x4008_0000, 1 << 40),
            -6,
        );
        expect_error(
            "console-other-vm-ram",
            raw_hvc(0xC600_0001, 0x4160_0000, 16),
            -4,
        );
        expect_error("console-bad-byte", raw_hvc(0xC600_0002, 0x1234, 0), -2);
        // Its RAM comes zeroed whatever the memory held before (the test fills it with a pattern
        // before the boot): one word per cache line of what it never wrote, from 0x4010_0000 to
        // the end of its 16 MiB (tests/configs/attack-*.dts), each page mapped on first touch.
        let stale = (0x4010_0000u64..0x4100_0000)
            .step_by(64)
            // SAFETY: reading this VM's own RAM, above its image, stacks and device tree.
            .filter(|&at| unsafe { core::ptr::read_volatile(at as *const u64) } != 0)
            .count();
        println!("attack read-stale-ram: {stale} nonzero words in its fresh RAM");
        let flood = 20_000;
        let answered = (0..flood)
            .filter(|_| raw_hvc(0xC600_0000, 0, 0) == 0)
            .count();
        println!(
            "attack hypercall-flood: {answered} of {flood} answered, hypervisor still serving"
        );
        println!("attacker done: {} aborts taken", stepping_vectors::aborts());
        psci::system_off()
    }
}
