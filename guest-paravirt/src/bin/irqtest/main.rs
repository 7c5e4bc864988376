//! `irqtest`: a guest that drives the virtual GIC the way an RTOS would. It takes its virtual
//! timer interrupt, sends itself SGIs, makes its own physical SPI (INTID 40) pending, checks
//! the priority order of six SGIs raised at once (more than the four list registers), pings
//! its second vCPU, touches an interrupt it does not own (refused), and prints `BENCH` lines:
//! counter ticks from a timer deadline or an SGI to its vector, and trapped GICD accesses.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("irqtest is a Kairos guest image: build it with --target aarch64-unknown-none");
}

#[cfg(target_os = "none")]
mod gic;

#[cfg(target_os = "none")]
mod guest {
    use super::gic::{self, Gic, GICD};
    use aarch64_cpu::registers::{Readable, Writeable, CNTV_CTL_EL0, CNTV_CVAL_EL0, MPIDR_EL1};
    use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::SeqCst};
    use guest_paravirt::arch::aarch64::{stepping_vectors, timer};
    use guest_paravirt::{paravirt::psci, println};

    const VTIMER: u32 = 27;
    const SPI: u32 = 40;
    const SELF_SGI: u32 = 1;
    const PING: u32 = 5;
    const PONG: u32 = 6;
    const ROUNDS: usize = 8;

    static V3: AtomicBool = AtomicBool::new(false);
    static TIMER_FIRED: AtomicU32 = AtomicU32::new(0);
    static TIMER_LATENCY: AtomicU64 = AtomicU64::new(0);
    static SPI_FIRED: AtomicU32 = AtomicU32::new(0);
    static SPI_SEEN_ACTIVE: AtomicBool = AtomicBool::new(false);
    static SGI_FIRED: [AtomicU32; 16] = [const { AtomicU32::new(0) }; 16];
    static SGI_ENTRY: AtomicU64 = AtomicU64::new(0);
    static ORDER: [AtomicU32; 8] = [const { AtomicU32::new(0) }; 8];
    static ORDER_LENGTH: AtomicU32 = AtomicU32::new(0);
    static SECONDARY_READY: AtomicBool = AtomicBool::new(false);

    fn gic() -> Gic {
        if V3.load(SeqCst) {
            Gic::V3
        } else {
            Gic::V2
        }
    }

    fn me() -> u64 {
        MPIDR_EL1.get() & 0xff
    }

    fn enable_irqs() {
        // SAFETY: unmasking IRQs at EL1; the vector table is installed.
        unsafe { core::arch::asm!("msr daifclr, #2", "isb") };
    }

    fn mask_irqs() {
        // SAFETY: masking IRQs at EL1 only delays them.
        unsafe { core::arch::asm!("msr daifset, #2", "isb") };
    }

    fn wait_for_interrupt() {
        aarch64_cpu::asm::wfi();
    }

    /// Sleeps until `done` holds. The check runs with IRQs masked so that an interrupt landing
    /// between it and the WFI is not lost: it still wakes the WFI and is taken once unmasked.
    fn wait_until(done: impl Fn() -> bool) {
        loop {
            mask_irqs();
            if done() {
                return enable_irqs();
            }
            wait_for_interrupt();
            enable_irqs();
        }
    }

    /// The IRQ vector's handler; `entry` is the virtual counter at the vector.
    extern "C" fn irq_handler(entry: u64) {
        let gic = gic();
        while let Some(raw) = gic.acknowledge() {
            match Gic::intid(raw) {
                VTIMER => {
                    TIMER_LATENCY.store(entry.wrapping_sub(CNTV_CVAL_EL0.get()), SeqCst);
                    CNTV_CTL_EL0.set(0); // the line drops before the interrupt ends
                    TIMER_FIRED.fetch_add(1, SeqCst);
                }
                SPI => {
                    SPI_SEEN_ACTIVE.store(gic::read(GICD + 0x304) & (1 << (SPI - 32)) != 0, SeqCst);
                    SPI_FIRED.fetch_add(1, SeqCst);
                }
                intid @ 0..=15 => {
                    SGI_ENTRY.store(entry, SeqCst);
                    let at = ORDER_LENGTH.fetch_add(1, SeqCst) as usize;
                    if let Some(slot) = ORDER.get(at) {
                        slot.store(intid, SeqCst);
                    }
                    SGI_FIRED[intid as usize].fetch_add(1, SeqCst);
                    if intid == PING && me() == 1 {
                        gic.send_sgi(PONG, 1 << 0);
                    }
                }
                _ => {}
            }
            gic.end(raw);
        }
    }

    /// Timer deadline to vector: `waiting` in WFI, else spinning.
    fn timer_latency(waiting: bool) -> u64 {
        let period = (timer::frequency_hz() / 20_000).max(1000);
        let mut best = u64::MAX;
        for _ in 0..ROUNDS {
            let before = TIMER_FIRED.load(SeqCst);
            CNTV_CVAL_EL0.set(timer::now() + period);
            CNTV_CTL_EL0.set(1);
            if waiting {
                wait_until(|| TIMER_FIRED.load(SeqCst) != before);
            }
            while TIMER_FIRED.load(SeqCst) == before {
                core::hint::spin_loop();
            }
            best = best.min(TIMER_LATENCY.load(SeqCst));
        }
        best
    }

    /// SGI `intid` to `targets` until `counter`'s SGI arrives back: best ticks from the send
    /// to the vector (the SGI's, or the reply's).
    fn sgi_latency(intid: u32, targets: u16, answer: u32) -> u64 {
        let mut best = u64::MAX;
        for _ in 0..ROUNDS {
            let before = SGI_FIRED[answer as usize].load(SeqCst);
            let start = timer::now();
            gic().send_sgi(intid, targets);
            wait_until(|| SGI_FIRED[answer as usize].load(SeqCst) != before);
            best = best.min(SGI_ENTRY.load(SeqCst) - start);
        }
        best
    }

    /// Smallest counter delta around `work`, less that of reading the counter twice.
    fn measure(work: impl Fn()) -> u64 {
        let time = |work: &dyn Fn()| {
            (0..ROUNDS)
                .map(|_| {
                    let start = timer::now();
                    work();
                    timer::now() - start
                })
                .min()
                .unwrap_or(0)
        };
        time(&work).saturating_sub(time(&|| {}))
    }

    fn spi_round() -> bool {
        let before = SPI_FIRED.load(SeqCst);
        gic::write(GICD + 0x200 + 4 * u64::from(SPI / 32), 1 << (SPI % 32)); // ISPENDR: its own
        let deadline = timer::now() + timer::frequency_hz() / 100;
        while SPI_FIRED.load(SeqCst) == before && timer::now() < deadline {
            core::hint::spin_loop();
        }
        SPI_FIRED.load(SeqCst) != before
    }

    fn priority_order() {
        mask_irqs();
        let sgis = [
            (8, 0xc0),
            (9, 0x40),
            (10, 0x80),
            (11, 0x20),
            (12, 0xa0),
            (13, 0x60),
        ];
        ORDER_LENGTH.store(0, SeqCst);
        for (intid, priority) in sgis {
            gic().set_priority(0, intid, priority);
            gic().send_sgi(intid, 1);
        }
        enable_irqs();
        let taken = ORDER_LENGTH.load(SeqCst) as usize;
        let order: [u32; 6] = core::array::from_fn(|i| ORDER[i].load(SeqCst));
        println!("priority order: {taken} SGIs taken, order {order:?}");
    }

    fn refused_access() {
        let before = stepping_vectors::aborts();
        gic::write(GICD + 0x104, 1 << (34 - 32)); // ISENABLER1, INTID 34: the RTC's, not ours
        let refused = stepping_vectors::aborts() > before;
        let enabled = gic::read(GICD + 0x104);
        println!("foreign interrupt 34: refused {refused}, ISENABLER1 reads {enabled:#x}");
    }

    fn start_secondary() -> bool {
        extern "C" {
            fn irqtest_secondary();
        }
        let entry = irqtest_secondary as *const () as u64;
        let status: i64;
        // SAFETY: PSCI CPU_ON of this VM's vCPU 1 (SMCCC: x0-x17 may change).
        unsafe {
            core::arch::asm!("smc #0", inlateout("x0") 0xC400_0003u64 => status, inlateout("x1") 1u64 => _,
                inlateout("x2") entry => _, inlateout("x3") 0u64 => _, out("x4") _, out("x5") _, out("x6") _,
                out("x7") _, out("x8") _, out("x9") _, out("x10") _, out("x11") _, out("x12") _,
                out("x13") _, out("x14") _, out("x15") _, out("x16") _, out("x17") _)
        };
        let deadline = timer::now() + timer::frequency_hz() / 10;
        while status == 0 && !SECONDARY_READY.load(SeqCst) && timer::now() < deadline {
            core::hint::spin_loop();
        }
        SECONDARY_READY.load(SeqCst)
    }

    core::arch::global_asm!(
        r#"
        .pushsection .text.irqtest_secondary, "ax"
        .global irqtest_secondary
    irqtest_secondary:
        msr     daifset, #0xf
        msr     spsel, #1
        bl      __guest_vcpu_stack_top
        mov     sp, x0
        mov     x1, #(3 << 20)
        msr     cpacr_el1, x1
        isb
        b       {main}
        .popsection
        "#,
        main = sym secondary_main,
    );

    /// vCPU 1: answers every PING with a PONG.
    extern "C" fn secondary_main() -> ! {
        stepping_vectors::install(Some(irq_handler));
        gic().enable_cpu(1, 1 << PING);
        SECONDARY_READY.store(true, SeqCst);
        enable_irqs();
        loop {
            wait_for_interrupt();
        }
    }

    #[no_mangle]
    extern "C" fn guest_main(_dtb: u64) -> ! {
        stepping_vectors::install(Some(irq_handler));
        V3.store(Gic::detect() == Gic::V3, SeqCst);
        let typer = gic::read(GICD + 0x4);
        let vcpus = ((typer >> 5) & 7) + 1;
        println!(
            "irqtest: GICv{}, GICD_TYPER {typer:#x}: {} INTIDs, {vcpus} vCPUs",
            if V3.load(SeqCst) { 3 } else { 2 },
            ((typer & 0x1f) + 1) * 32
        );
        let gic = gic();
        gic.enable_distributor();
        gic.enable_cpu(0, 1 << VTIMER | 0xfffe);
        gic.set_priority(0, VTIMER, 0x80);
        gic::write(GICD + 0x100 + 4 * u64::from(SPI / 32), 1 << (SPI % 32));
        enable_irqs();

        let wfi = timer_latency(true);
        let busy = timer_latency(false);
        println!("timer: {} interrupts", TIMER_FIRED.load(SeqCst));
        let self_ipi = sgi_latency(SELF_SGI, 1 << 0, SELF_SGI);
        println!(
            "self SGI: {} taken",
            SGI_FIRED[SELF_SGI as usize].load(SeqCst)
        );
        let spi = [spi_round(), spi_round()];
        println!(
            "SPI {SPI}: delivered {spi:?}, active while handled {}",
            SPI_SEEN_ACTIVE.load(SeqCst)
        );
        priority_order();
        refused_access();
        let typer_read = measure(|| {
            core::hint::black_box(gic::read(GICD + 0x4));
        });
        let priority_write = measure(|| gic::write(GICD + 0x400 + u64::from(SPI), 0xa0a0_a0a0));
        println!("BENCH vtimer_to_vector_wfi {wfi}");
        println!("BENCH vtimer_to_vector_busy {busy}");
        println!("BENCH self_ipi_to_vector {self_ipi}");
        println!("BENCH gicd_typer_read {typer_read}");
        println!("BENCH gicd_ipriorityr_write {priority_write}");
        if vcpus > 1 && start_secondary() {
            let round_trip = sgi_latency(PING, 1 << 1, PONG);
            println!(
                "cross-vCPU: {} pings answered",
                SGI_FIRED[PONG as usize].load(SeqCst)
            );
            println!("BENCH cross_vcpu_sgi_round_trip {round_trip}");
        }
        println!("irqtest done");
        psci::system_off()
    }
}
