//! The C porting kit beyond `kairos.h` (tests/c_header.rs): every kit source compiles
//! freestanding for AArch64 with warnings as errors; `kairos_platform.h` says what the
//! hypervisor implements; and the C twins of the Kairos RTOS's pure parts, compiled for the host
//! with gcc, agree with the Rust originals on random input: the supply-log reader
//! (`c/kairos_supply.c` against `rtos::supply`) and rtos-c's scheduler (`guest-c/schedule.c`
//! against `rtos::engine`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use guest_paravirt::rtos::supply::SupplyCursor;
use guest_paravirt::rtos::{Cpu, Observer, Policy, Schedule, TaskParams, NEVER};
use hypercall_abi::rt_page::{RtSpan, RtSupply, RT_SUPPLY_SPANS};
use rt_analysis::uunifast::{generate_mixed, XorShift64Star};
use rt_analysis::Scheduler;

fn kit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Runs `compiler` on `args` plus the kit's include directories; panics with its messages.
fn compile(compiler: &str, args: &[&Path], flags: &[&str]) {
    let output = Command::new(compiler)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2"])
        .args(flags)
        .arg(format!("-I{}", kit().join("include").display()))
        .arg(format!(
            "-I{}",
            kit().join("../crates/rt-analysis-c/include").display()
        ))
        .arg(format!("-I{}", kit().join("../guest-c").display()))
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("{compiler}: {error} (run scripts/deps.sh)"));
    assert!(
        output.status.success(),
        "{compiler} {args:?}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Builds a host program from `sources` and returns a function running it on some input.
fn host_program(name: &str, sources: &[PathBuf]) -> impl Fn(&str) -> String {
    let program = std::env::temp_dir().join(format!("kairos-{name}-{}", std::process::id()));
    let mut args: Vec<&Path> = sources.iter().map(PathBuf::as_path).collect();
    let output = Path::new("-o");
    args.extend([output, program.as_path()]);
    compile("gcc", &args, &[]);
    let name = name.to_string();
    move |input: &str| {
        let mut child = Command::new(&program)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{name} failed on:\n{input}");
        String::from_utf8(out.stdout).unwrap()
    }
}

#[test]
fn every_kit_source_compiles_freestanding_for_aarch64() {
    let object = std::env::temp_dir().join(format!("kairos-kit-{}.o", std::process::id()));
    for entry in std::fs::read_dir(kit().join("c")).unwrap() {
        let source = entry.unwrap().path();
        let flags = ["-ffreestanding", "-nostdlib", "-mstrict-align", "-c"];
        compile(
            "aarch64-linux-gnu-gcc",
            &[&source, Path::new("-o"), &object],
            &flags,
        );
    }
    let _ = std::fs::remove_file(&object);
}

#[test]
fn the_platform_header_says_what_the_hypervisor_implements() {
    use hypervisor::vm::{guest_dt, psci::function, uart};
    use partition_config::binding::{DEFAULT_IPA_BASE, DEFAULT_LOAD_OFFSET};
    let constants = [
        ("KAIROS_PLATFORM_RAM_BASE", DEFAULT_IPA_BASE),
        ("KAIROS_PLATFORM_LOAD_OFFSET", DEFAULT_LOAD_OFFSET),
        ("KAIROS_PLATFORM_UART_BASE", uart::GUEST_UART_BASE),
        ("KAIROS_PLATFORM_UART_SIZE", uart::GUEST_UART_SIZE),
        (
            "KAIROS_PLATFORM_UART_INTID",
            32 + u64::from(uart::GUEST_UART_SPI),
        ),
        ("KAIROS_PLATFORM_GICD_BASE", guest_dt::GICD_BASE),
        ("KAIROS_PLATFORM_GICD_SIZE_V3", guest_dt::GICD_SIZE_V3),
        ("KAIROS_PLATFORM_GICD_SIZE_V2", guest_dt::GICD_SIZE_V2),
        ("KAIROS_PLATFORM_GICC_BASE", guest_dt::GICC_BASE),
        ("KAIROS_PLATFORM_GICC_SIZE", guest_dt::GICC_SIZE),
        ("KAIROS_PLATFORM_GICR_BASE", guest_dt::GICR_BASE),
        ("KAIROS_PLATFORM_GICR_STRIDE", guest_dt::GICR_STRIDE),
        ("KAIROS_PSCI_VERSION", u64::from(function::VERSION)),
        ("KAIROS_PSCI_CPU_OFF", u64::from(function::CPU_OFF)),
        ("KAIROS_PSCI_CPU_ON_32", u64::from(function::CPU_ON_32)),
        ("KAIROS_PSCI_CPU_ON_64", u64::from(function::CPU_ON_64)),
        (
            "KAIROS_PSCI_AFFINITY_INFO_32",
            u64::from(function::AFFINITY_INFO_32),
        ),
        (
            "KAIROS_PSCI_AFFINITY_INFO_64",
            u64::from(function::AFFINITY_INFO_64),
        ),
        ("KAIROS_PSCI_SYSTEM_OFF", u64::from(function::SYSTEM_OFF)),
        (
            "KAIROS_PSCI_SYSTEM_RESET",
            u64::from(function::SYSTEM_RESET),
        ),
        ("KAIROS_PSCI_FEATURES", u64::from(function::FEATURES)),
        ("KAIROS_PLATFORM_TIMER_VIRT_INTID", 27),
        ("KAIROS_PLATFORM_TIMER_PHYS_INTID", 30),
    ];
    let mut c = String::from("#include \"kairos_platform.h\"\n");
    for (name, value) in constants {
        writeln!(c, "_Static_assert({name} == {value:#x}ull, \"{name}\");").unwrap();
    }
    // The timer INTIDs are the ones the VM's device tree lists (PPI n is INTID 16 + n).
    let (memory, gic) = (4 << 20, guest_dt_v3());
    let platform = ::guest_dt::VirtualPlatform::new(
        "vm",
        0,
        ::guest_dt::GuestMemory {
            ipa_base: DEFAULT_IPA_BASE,
            size: memory,
        },
        1,
        gic,
    );
    let blob = platform.build().unwrap();
    let tree = fdt::Fdt::new(&blob).unwrap();
    let cells: Vec<u32> = tree
        .find_node("/timer")
        .and_then(|timer| timer.property("interrupts"))
        .unwrap()
        .value
        .chunks(4)
        .map(|cell| u32::from_be_bytes(cell.try_into().unwrap()))
        .collect();
    let intids: Vec<u32> = cells.chunks(3).map(|interrupt| 16 + interrupt[1]).collect();
    writeln!(
        c,
        "_Static_assert(KAIROS_PLATFORM_TIMER_SECURE_INTID == {}u, \"secure\");",
        intids[0]
    )
    .unwrap();
    writeln!(
        c,
        "_Static_assert(KAIROS_PLATFORM_TIMER_PHYS_INTID == {}u, \"physical\");",
        intids[1]
    )
    .unwrap();
    writeln!(
        c,
        "_Static_assert(KAIROS_PLATFORM_TIMER_VIRT_INTID == {}u, \"virtual\");",
        intids[2]
    )
    .unwrap();
    writeln!(
        c,
        "_Static_assert(KAIROS_PLATFORM_TIMER_HYP_INTID == {}u, \"hypervisor\");",
        intids[3]
    )
    .unwrap();
    let source = std::env::temp_dir().join(format!("kairos-platform-{}.c", std::process::id()));
    let object = source.with_extension("o");
    std::fs::write(&source, c).unwrap();
    let flags = ["-ffreestanding", "-nostdlib", "-c"];
    compile(
        "aarch64-linux-gnu-gcc",
        &[&source, Path::new("-o"), &object],
        &flags,
    );
    let _ = std::fs::remove_file(&source);
    let _ = std::fs::remove_file(&object);
}

fn guest_dt_v3() -> ::guest_dt::Gic {
    use hypervisor::vm::guest_dt::*;
    ::guest_dt::Gic::V3 {
        distributor: (GICD_BASE, GICD_SIZE_V3),
        redistributors: (GICR_BASE, GICR_STRIDE),
    }
}

#[test]
fn the_c_supply_reader_is_the_rust_one_on_random_logs() {
    let run = host_program(
        "supply-twin",
        &[
            kit().join("tests/c/supply_twin.c"),
            kit().join("c/kairos_supply.c"),
        ],
    );
    let mut rng = XorShift64Star::new(0x5u64 << 40 | 0x1f);
    let (mut overflows, mut takes) = (0, 0);
    for _ in 0..20 {
        let (mut input, mut expected) = (String::new(), String::new());
        let (mut log, mut cursor, mut time) = (RtSupply::default(), SupplyCursor::default(), 0u64);
        for _ in 0..30 {
            for _ in 0..rng.below(22) {
                let start = time + rng.below(1000);
                let end = start + 1 + rng.below(500);
                time = end;
                writeln!(input, "a {start} {end}").unwrap();
                log.spans[(log.sequence % RT_SUPPLY_SPANS as u64) as usize] = RtSpan {
                    start_ns: start,
                    end_ns: end,
                };
                log.stolen_ns += end - start;
                log.sequence += 1;
            }
            input.push_str("t\n");
            let new = cursor.take(&log);
            write!(
                expected,
                "{} {} {} {} {}",
                u8::from(!new.is_empty()),
                new.appended,
                new.stolen_ns,
                new.lost,
                new.lost_ns
            )
            .unwrap();
            for (start, end) in new.blackouts() {
                write!(expected, " {start}-{end}").unwrap();
            }
            writeln!(expected, " | {}", log.stolen_ns).unwrap();
            overflows += usize::from(new.lost > 0);
            takes += 1;
        }
        assert_eq!(run(&input), expected);
    }
    assert!(
        overflows >= 20 && takes == 600,
        "{overflows} overflows in {takes} reads"
    );
}

/// Records what the Rust engine observes, in the C driver's words.
struct Printed(String);

impl Observer for Printed {
    fn missed(&mut self, task: usize, job: u64, release: u64, time: u64) {
        writeln!(self.0, "miss {task} {job} {release} {time}").unwrap();
    }
}

#[test]
fn the_c_guest_scheduler_is_the_rust_engine_on_random_sets_and_blackouts() {
    let run = host_program(
        "schedule-twin",
        &[
            kit().join("tests/c/schedule_twin.c"),
            kit().join("../guest-c/schedule.c"),
        ],
    );
    let mut rng = XorShift64Star::new(0xc0ffee);
    let (mut runs, mut with_misses) = (0, 0);
    while runs < 60 {
        let scheduler = if runs % 2 == 0 {
            Scheduler::Edf
        } else {
            Scheduler::FixedPriority
        };
        let tasks = rng.between(1, 6) as usize;
        let utilization = 0.3 + 0.65 * rng.next_f64();
        let Ok(set) = generate_mixed(&mut rng, scheduler, tasks, utilization) else {
            continue;
        };
        let horizon = 2 * set.hyperperiod().unwrap().min(400_000_000);
        let params: Vec<TaskParams> = set
            .tasks()
            .iter()
            .map(|&task| TaskParams {
                task,
                job_limit: Some((horizon / task.period).max(1)),
            })
            .collect();
        let (t_u, blackout) = (
            rng.below(horizon / 2),
            rng.below(2 * set.tasks().iter().map(|t| t.period).max().unwrap()),
        );
        let code = u32::from(scheduler == Scheduler::FixedPriority);
        let mut input = format!("{code} {}\n", params.len());
        for p in &params {
            let t = p.task;
            writeln!(
                input,
                "{} {} {} {} {} {}",
                t.wcet,
                t.period,
                t.deadline,
                t.offset,
                t.priority,
                p.job_limit.unwrap()
            )
            .unwrap();
        }
        writeln!(input, "{t_u} {blackout}").unwrap();
        // The same steps with the Rust engine.
        let policy = if scheduler == Scheduler::Edf {
            Policy::Edf
        } else {
            Policy::FixedPriority
        };
        let mut schedule = Schedule::new(policy, &params, 0).unwrap();
        let mut printed = Printed(String::new());
        schedule.advance_to(0, Cpu::Available, &mut printed);
        while schedule.now() < t_u {
            let next = schedule.next_event(Cpu::Available);
            if next == NEVER {
                break;
            }
            schedule.advance_to(next, Cpu::Available, &mut printed);
        }
        writeln!(printed.0, "blackout {}", schedule.now()).unwrap();
        schedule.resume(schedule.now() + blackout, &mut printed);
        loop {
            let next = schedule.next_event(Cpu::Available);
            if next == NEVER {
                break;
            }
            schedule.advance_to(next, Cpu::Available, &mut printed);
        }
        for (index, state) in schedule.states().iter().enumerate() {
            writeln!(
                printed.0,
                "task {index} {} {} {} {}",
                state.released, state.completed, state.missed, state.worst_response
            )
            .unwrap();
        }
        assert_eq!(run(&input), printed.0, "input:\n{input}");
        with_misses += usize::from(printed.0.contains("miss "));
        runs += 1;
    }
    assert!(
        with_misses >= 15,
        "{with_misses} of {runs} runs with misses"
    );
}
