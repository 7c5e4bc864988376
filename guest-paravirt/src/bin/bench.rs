//! `bench`: measures the hypervisor's costs as a guest sees them, on the virtual counter.
//! Under `-icount shift=0,sleep=off` with a 1 GHz counter, one tick is one instruction, so
//! each figure is exact and repeats run to run. Prints `BENCH <name> <ticks>` lines that
//! `scripts/bench.sh` turns into a table.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("bench is a Kairos guest image: build it with --target aarch64-unknown-none");
}

#[cfg(target_os = "none")]
mod guest {
    use guest_paravirt::{arch::aarch64::timer, paravirt::psci, println};

    /// Repetitions per measurement; the minimum is reported (no interference is the question).
    const ROUNDS: usize = 64;

    fn null_hypercall() {
        let mut x0: u64 = 0xC600_0000;
        // SAFETY: the VERSION hypercall changes nothing; SMCCC may clobber x1-x17.
        unsafe {
            core::arch::asm!("hvc #0", inout("x0") x0, out("x1") _, out("x2") _, out("x3") _,
                out("x4") _, out("x5") _, out("x6") _, out("x7") _, out("x8") _, out("x9") _,
                out("x10") _, out("x11") _, out("x12") _, out("x13") _, out("x14") _,
                out("x15") _, out("x16") _, out("x17") _)
        };
        core::hint::black_box(x0);
    }

    fn trapped_uart_read() {
        // SAFETY: reads the flag register of this VM's emulated PL011 (0x0900_0018).
        let flags = unsafe { core::ptr::read_volatile(0x0900_0018 as *const u32) };
        core::hint::black_box(flags);
    }

    /// The largest and smallest cost of a first touch of a page of its RAM the guest never used
    /// (the hypervisor zeroes it and maps it), over ROUNDS pages from the start of its second
    /// 2 MiB (bench.dts gives it 4 MiB; the first touch there also allocates a table).
    fn fresh_page_touch() -> (u64, u64) {
        // The counter reads around nothing, taken off each figure.
        let overhead = (0..ROUNDS)
            .map(|_| {
                let start = timer::now();
                timer::now() - start
            })
            .min()
            .unwrap_or(0);
        let costs = (0..ROUNDS as u64).map(|page| {
            let at = (0x4020_0000 + page * 4096) as *const u64;
            let start = timer::now();
            // SAFETY: a page of this VM's 4 MiB of RAM, above its image, stacks and DTB.
            core::hint::black_box(unsafe { core::ptr::read_volatile(at) });
            (timer::now() - start).saturating_sub(overhead)
        });
        costs.fold((0, u64::MAX), |(most, least), cost| {
            (most.max(cost), least.min(cost))
        })
    }

    /// Smallest counter delta around `work` over ROUNDS runs, less the counter reads.
    fn measure(work: impl FnMut()) -> u64 {
        timer::smallest_delta(ROUNDS, work)
    }

    #[no_mangle]
    extern "C" fn guest_main(_dtb: u64) -> ! {
        let entered = timer::now();
        println!("BENCH boot_to_guest_entry_ticks {entered}");
        println!("BENCH counter_hz {}", timer::frequency_hz());
        println!("BENCH null_hypercall {}", measure(null_hypercall));
        println!("BENCH trapped_mmio_read {}", measure(trapped_uart_read));
        let (worst, best) = fresh_page_touch();
        println!("BENCH fresh_page_first_touch_worst {worst}");
        println!("BENCH fresh_page_first_touch_best {best}");
        println!("BENCH done");
        psci::system_off()
    }
}
