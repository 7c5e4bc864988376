//! `hello`: the first Kairos guest. Greets over the console, ticks five times, powers off.
//!
//! Built for `aarch64-unknown-none` it is an EL1 guest image; on any other target it is an
//! empty program so that host builds of the workspace keep working.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("hello is a Kairos guest image: build it with --target aarch64-unknown-none");
}

#[cfg(target_os = "none")]
mod guest {
    use core::fmt;

    use guest_paravirt::{
        arch::aarch64::timer,
        paravirt::{psci, version, who_am_i, AbiVersion},
        println, time,
    };

    /// How many ticks to print.
    const TICKS: u64 = 5;
    /// Time between ticks, in milliseconds of system time.
    const TICK_PERIOD_MS: u64 = 40;

    /// The guest's entry point, called by the library's boot code.
    #[no_mangle]
    extern "C" fn guest_main(_dtb: u64) -> ! {
        greet();
        tick();
        println!("hello done");
        psci::system_off()
    }

    /// Prints who and where this vCPU is, and on which ABI; a refused call leaves a `?`.
    fn greet() {
        let abi = version()
            .inspect_err(|error| println!("version failed: {}", error.name()))
            .ok();
        if let Some(abi) = abi.filter(|abi| !abi.serves_guest()) {
            let guest = AbiVersion::GUEST;
            println!(
                "hypervisor abi {}.{} does not serve this guest (built for {}.{})",
                abi.major, abi.minor, guest.major, guest.minor
            );
            psci::system_off();
        }
        let identity = who_am_i()
            .inspect_err(|error| println!("who_am_i failed: {}", error.name()))
            .ok();
        println!(
            "hello from vm {} vcpu {} on core {} (abi {}.{})",
            Known(identity.map(|identity| identity.vm)),
            Known(identity.map(|identity| identity.vcpu)),
            Known(identity.map(|identity| identity.core)),
            Known(abi.map(|abi| abi.major)),
            Known(abi.map(|abi| abi.minor)),
        );
    }

    /// Prints `tick <n>` every [`TICK_PERIOD_MS`], sleeping in WFI in between.
    fn tick() {
        let frequency_hz = timer::frequency_hz();
        if frequency_hz == 0 {
            println!("no ticks: CNTFRQ_EL0 is 0");
            return;
        }
        let period = time::ticks_from_millis(frequency_hz, TICK_PERIOD_MS);
        let start = timer::now();
        for n in 1..=TICKS {
            // Deadlines count from the start, so the ticks do not drift by the time printing takes.
            timer::sleep_until(start.saturating_add(n * period));
            println!("tick {n}");
        }
    }

    /// A value, or `?` when the hypercall that should have given it failed.
    struct Known(Option<u64>);

    impl fmt::Display for Known {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self.0 {
                Some(value) => write!(f, "{value}"),
                None => f.write_str("?"),
            }
        }
    }
}
