//! One campaign layout: the machine (cores, GIC, counter), the RTOS VMs with their task sets,
//! the fault-tolerance settings and the fault plan, and its partition config as DTS text.

use std::fmt::Write;

/// The fault pattern a layout exercises (chosen by the generator, see `generate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    /// One fault on a core hosting a VM.
    Single,
    /// One fault on the boot core while it hosts a VM.
    BootCore,
    /// Two VM cores fail at the same instant.
    TwoAtOnce,
    /// A VM core and a spare core fail at the same instant.
    VmAndSpareAtOnce,
    /// A VM core fails, then the core that received its VM.
    OnTheReceiver,
    /// A VM core fails, then the boot core.
    ThenBootCore,
    /// One spare: a VM core fails (the spare is taken), a second (its VM is consolidated into
    /// time partitions), then the core that took the second VM.
    OnThePartitions,
    /// Two different VM cores fail a few milliseconds apart.
    Staggered,
}

/// Every shape, in the order the generator cycles through them.
pub const SHAPES: [Shape; 8] = [
    Shape::Single,
    Shape::BootCore,
    Shape::TwoAtOnce,
    Shape::VmAndSpareAtOnce,
    Shape::OnTheReceiver,
    Shape::ThenBootCore,
    Shape::OnThePartitions,
    Shape::Staggered,
];

/// The guest's scheduler (`kairos,scheduler`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheduler {
    Edf,
    RateMonotonic,
    DeadlineMonotonic,
}

impl Scheduler {
    /// The binding's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Scheduler::Edf => "edf",
            Scheduler::RateMonotonic => "rm",
            Scheduler::DeadlineMonotonic => "dm",
        }
    }
}

/// One task, in microseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskSpec {
    pub wcet_us: u32,
    pub period_us: u32,
    pub deadline_us: u32,
    pub jobs: u32,
}

/// One RTOS VM on one core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmSpec {
    pub name: String,
    pub core: usize,
    pub memory_mib: u32,
    pub scheduler: Scheduler,
    pub tasks: Vec<TaskSpec>,
}

/// How a fault shows itself (`kairos,fault-plan` kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    Stop = 0,
    Signal = 1,
}

/// Which core a planned fault strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultCore {
    /// This core.
    Fixed(usize),
    /// The core that received a VM of the core failed by fault `fault` of the plan, learnt
    /// from a probe run of the plan before this fault; `otherwise` when no VM moved.
    ReceiverOf { fault: usize, otherwise: usize },
}

/// One planned fault; `at_us` counts from the moment the VMs start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    pub core: FaultCore,
    pub at_us: u32,
    pub kind: FaultKind,
}

/// A planned fault with its core known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedFault {
    pub core: usize,
    pub at_us: u32,
    pub kind: FaultKind,
}

/// Everything one campaign run boots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The seed it was generated from (it reproduces the layout).
    pub seed: u64,
    pub shape: Shape,
    pub cores: usize,
    /// GIC version, 2 or 3.
    pub gic: u8,
    /// A 1 GHz system counter (else QEMU's default, 62.5 MHz).
    pub counter_1ghz: bool,
    /// `kairos,migration = "copy"` (else "in-place").
    pub copy: bool,
    /// `kairos,resume = "planned"` (else "asap").
    pub planned: bool,
    /// `kairos,heartbeat-us`, absent for the default.
    pub heartbeat_us: Option<u32>,
    /// `kairos,miss-threshold`, absent for the default.
    pub miss_threshold: Option<u32>,
    pub vms: Vec<VmSpec>,
    pub faults: Vec<FaultSpec>,
}

/// The binding's defaults (crates/partition-config/src/health.rs).
pub const DEFAULT_HEARTBEAT_US: u32 = 1000;
pub const DEFAULT_MISS_THRESHOLD: u32 = 2;

/// (miss threshold + 2) heartbeats, in ns, for the given properties (`None`: the default).
pub fn detection_bound_ns(heartbeat_us: Option<u32>, miss_threshold: Option<u32>) -> u64 {
    let beats = u64::from(miss_threshold.unwrap_or(DEFAULT_MISS_THRESHOLD)) + 2;
    beats * u64::from(heartbeat_us.unwrap_or(DEFAULT_HEARTBEAT_US)) * 1000
}

impl Layout {
    /// Heartbeat period in force, ns.
    pub fn heartbeat_ns(&self) -> u64 {
        u64::from(self.heartbeat_us.unwrap_or(DEFAULT_HEARTBEAT_US)) * 1000
    }

    /// The latest a fault may be detected after it struck: (miss threshold + 2) heartbeats.
    pub fn detection_bound_ns(&self) -> u64 {
        detection_bound_ns(self.heartbeat_us, self.miss_threshold)
    }

    /// The VM called `name`.
    pub fn vm(&self, name: &str) -> Option<&VmSpec> {
        self.vms.iter().find(|vm| vm.name == name)
    }

    /// The partition config with fault plan `plan` (empty: no `kairos,fault-plan`).
    pub fn dts(&self, plan: &[PlannedFault]) -> String {
        let mut text = format!(
            "// Fault campaign layout {:#x} ({:?}, {}): {} cores, GICv{}, counter {}.\n",
            self.seed,
            self.shape,
            if self.planned { "planned" } else { "asap" },
            self.cores,
            self.gic,
            if self.counter_1ghz {
                "1 GHz"
            } else {
                "62.5 MHz"
            }
        );
        text.push_str("/dts-v1/;\n/ {\n\t#address-cells = <2>;\n\t#size-cells = <2>;\n");
        text.push_str("\thypervisor {\n\t\tcompatible = \"kairos,hypervisor\";\n");
        text.push_str("\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n\t\tranges;\n");
        if let Some(us) = self.heartbeat_us {
            writeln!(text, "\t\tkairos,heartbeat-us = <{us}>;").unwrap();
        }
        if let Some(count) = self.miss_threshold {
            writeln!(text, "\t\tkairos,miss-threshold = <{count}>;").unwrap();
        }
        let mode = if self.copy { "copy" } else { "in-place" };
        writeln!(text, "\t\tkairos,migration = \"{mode}\";").unwrap();
        let resume = if self.planned { "planned" } else { "asap" };
        writeln!(text, "\t\tkairos,resume = \"{resume}\";").unwrap();
        if !plan.is_empty() {
            let triplets: Vec<String> = plan
                .iter()
                .map(|f| format!("<{} {} {}>", f.core, f.at_us, f.kind as u32))
                .collect();
            writeln!(text, "\t\tkairos,fault-plan = {};", triplets.join(", ")).unwrap();
        }
        for vm in &self.vms {
            write_vm(&mut text, vm);
        }
        text.push_str("\t};\n};\n");
        text
    }
}

fn write_vm(text: &mut String, vm: &VmSpec) {
    writeln!(text, "\t\t{} {{", vm.name).unwrap();
    text.push_str("\t\t\tcompatible = \"kairos,vm\";\n");
    writeln!(text, "\t\t\tkairos,cpus = <{}>;", vm.core).unwrap();
    let bytes = u64::from(vm.memory_mib) << 20;
    writeln!(text, "\t\t\tkairos,memory-size = <0x0 {bytes:#010x}>;").unwrap();
    text.push_str("\t\t\tkairos,image = \"rtos\";\n\t\t\ttasks {\n");
    writeln!(
        text,
        "\t\t\t\tkairos,scheduler = \"{}\";",
        vm.scheduler.name()
    )
    .unwrap();
    for (index, task) in vm.tasks.iter().enumerate() {
        writeln!(
            text,
            "\t\t\t\tt{index} {{ kairos,wcet-us = <{}>; kairos,period-us = <{}>; \
             kairos,deadline-us = <{}>; kairos,jobs = <{}>; }};",
            task.wcet_us, task.period_us, task.deadline_us, task.jobs
        )
        .unwrap();
    }
    text.push_str("\t\t\t};\n\t\t};\n");
}
