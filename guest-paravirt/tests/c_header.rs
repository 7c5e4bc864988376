//! The C binding `include/kairos.h` compiles freestanding for AArch64 and says what the Rust ABI
//! says: every function ID, error code, constant, size and field offset is checked by a C file
//! generated from `hypercall-abi` and compiled with `aarch64-linux-gnu-gcc` (installed by
//! scripts/deps.sh).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use hypercall_abi::rt_page::*;
use hypercall_abi::{Error, Function, ABI_VERSION_MAJOR, ABI_VERSION_MINOR};

const COMPILER: &str = "aarch64-linux-gnu-gcc";

fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include")
}

/// Compiles `source` (a path) as a freestanding AArch64 object; panics with the compiler's
/// messages on failure.
fn compile(source: &Path) {
    let object = std::env::temp_dir().join(format!("kairos-header-{}.o", std::process::id()));
    let output = Command::new(COMPILER)
        .args([
            "-std=c11",
            "-ffreestanding",
            "-nostdlib",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-O2",
            "-c",
        ])
        .arg("-I")
        .arg(include_dir())
        .arg(source)
        .arg("-o")
        .arg(&object)
        .output()
        .unwrap_or_else(|error| panic!("{COMPILER}: {error} (run scripts/deps.sh)"));
    let _ = std::fs::remove_file(&object);
    assert!(
        output.status.success(),
        "{} does not compile:\n{}",
        source.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_header_compiles_freestanding() {
    compile(&include_dir().join("check/header_check.c"));
}

#[test]
fn every_hypercall_has_a_wrapper() {
    let header = std::fs::read_to_string(include_dir().join("kairos.h")).unwrap();
    for function in Function::ALL {
        let wrapper = format!(" kairos_{}(", function.name());
        assert!(
            header.contains(&format!("static inline int64_t{wrapper}")),
            "kairos.h has no wrapper{wrapper}) for {function:?}"
        );
    }
}

macro_rules! offsets {
    ($out:expr, $c:literal, $rust:ty, [$($field:ident),*]) => {
        writeln!($out, "_Static_assert(sizeof(struct {}) == {}, \"size of {}\");", $c, core::mem::size_of::<$rust>(), $c).unwrap();
        $(
            writeln!(
                $out,
                "_Static_assert(offsetof(struct {}, {}) == {}, \"{}.{}\");",
                $c, stringify!($field), core::mem::offset_of!($rust, $field), $c, stringify!($field)
            ).unwrap();
        )*
    };
}

#[test]
fn the_header_agrees_with_the_rust_abi() {
    let mut c = String::from("#include \"kairos.h\"\n");
    writeln!(c, "_Static_assert(KAIROS_ABI_MAJOR == {ABI_VERSION_MAJOR} && KAIROS_ABI_MINOR == {ABI_VERSION_MINOR}, \"abi version\");").unwrap();
    for function in Function::ALL {
        let name = function.name().to_uppercase();
        writeln!(
            c,
            "_Static_assert(KAIROS_HVC_{name} == {:#x}u, \"{name}\");",
            function.id()
        )
        .unwrap();
    }
    for error in Error::ALL {
        let name = error.name().to_uppercase();
        writeln!(
            c,
            "_Static_assert(KAIROS_E_{name} == {}, \"{name}\");",
            error.code()
        )
        .unwrap();
    }
    let constants = [
        ("KAIROS_RT_PAGE_MAGIC", RT_PAGE_MAGIC),
        ("KAIROS_RT_PAGE_VERSION", u64::from(RT_PAGE_VERSION)),
        ("KAIROS_RT_PAGE_SIZE", RT_PAGE_SIZE as u64),
        ("KAIROS_RT_PAGE_ALIGN", RT_PAGE_ALIGN),
        ("KAIROS_RT_MAX_TASKS", RT_MAX_TASKS as u64),
        ("KAIROS_RT_NO_TASK", u64::from(RT_NO_TASK)),
        ("KAIROS_RT_UNBOUNDED", RT_UNBOUNDED),
        ("KAIROS_RT_TASK_SPORADIC", u64::from(RT_TASK_SPORADIC)),
        ("KAIROS_RT_SCHED_EDF", RtScheduler::Edf as u64),
        ("KAIROS_RT_SCHED_FP", RtScheduler::FixedPriority as u64),
        ("KAIROS_RT_SUPPLY_OFFSET", RT_SUPPLY_OFFSET as u64),
        ("KAIROS_RT_SUPPLY_SPANS", RT_SUPPLY_SPANS as u64),
    ];
    for (name, value) in constants {
        writeln!(c, "_Static_assert({name} == {value:#x}ull, \"{name}\");").unwrap();
    }
    offsets!(
        c,
        "kairos_rt_header",
        RtHeader,
        [
            magic,
            version,
            size,
            scheduler,
            task_count,
            counter_frequency_hz,
            committed,
            flags,
            origin_ns,
            reserved
        ]
    );
    offsets!(
        c,
        "kairos_rt_task",
        RtTask,
        [
            wcet_ns,
            period_ns,
            deadline_ns,
            offset_ns,
            priority,
            flags,
            job_limit
        ]
    );
    offsets!(
        c,
        "kairos_rt_task_state",
        RtTaskState,
        [
            next_release_ns,
            head_release_ns,
            head_remaining_ns,
            latest_release_ns,
            released,
            pending,
            completed,
            missed,
            worst_response_ns,
            last_response_ns
        ]
    );
    offsets!(
        c,
        "kairos_rt_slot",
        RtSlot,
        [
            generation,
            time_ns,
            affordable_ns,
            report_sequence,
            running,
            task_count,
            flags,
            reserved,
            tasks
        ]
    );
    offsets!(c, "kairos_rt_span", RtSpan, [start_ns, end_ns]);
    offsets!(
        c,
        "kairos_rt_supply",
        RtSupply,
        [sequence, stolen_ns, spans]
    );
    offsets!(
        c,
        "kairos_rt_page",
        RtPage,
        [header, tasks, reserved0, slots, supply, resume_ns, reserved1]
    );
    writeln!(
        c,
        "_Static_assert(_Alignof(struct kairos_rt_page) == {}, \"page alignment\");",
        core::mem::align_of::<RtPage>()
    )
    .unwrap();
    let source = std::env::temp_dir().join(format!("kairos-abi-check-{}.c", std::process::id()));
    std::fs::write(&source, c).unwrap();
    compile(&source);
    let _ = std::fs::remove_file(&source);
}
