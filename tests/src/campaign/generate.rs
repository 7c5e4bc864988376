//! The seeded layout generator: one seed gives one layout, always the same. The seed picks the
//! fault shape (consecutive seeds cycle through [`SHAPES`]); everything else (4 or 8 cores,
//! GICv2 or v3, counter, in-place or copy, heartbeat, VMs, cores, task sets, fault instants
//! and kinds) is drawn from a xorshift generator seeded with it.

use super::layout::*;
use super::tasks;
use rt_analysis::uunifast::XorShift64Star;

/// Heartbeat periods drawn (us; `None` is the binding's default, 1 ms): all sustainable.
const HEARTBEATS_US: [Option<u32>; 5] = [None, Some(200), Some(300), Some(500), Some(1000)];
/// Miss thresholds drawn (`None` is the default, 2).
const THRESHOLDS: [Option<u32>; 3] = [None, Some(2), Some(3)];
/// Tasks run this long past the last fault (us), plus the time a migrant's backlog may take
/// to drain: the longest blackout over (1 - U). The policy's predictions assume jobs never run
/// out, so the jobs must outlast every backlog.
const TAIL_US: f64 = 200_000.0;
/// The longest blackout, in us: detection, decision and restore of two VMs...
const BLACKOUT_US: f64 = 30_000.0;
/// ...plus, with copy migration, two copies of the largest VM at 200 MB/s (the slowest spare
/// core of an 8-core GICv2 layout measures about 270 MB/s under QEMU).
const COPY_US_PER_MIB: f64 = 5_250.0;

/// Highest utilisation of a VM when the layout must consolidate two VMs on one core.
const SHARING_UTILIZATION: f64 = 0.4;

/// The layout of `seed`. The resume mode is not drawn: seeds alternate between `asap` and
/// `planned` every round of [`SHAPES`].
pub fn generate(seed: u64) -> Layout {
    let mut rng = XorShift64Star::new(mix(seed));
    let shape = SHAPES[(seed % SHAPES.len() as u64) as usize];
    let cores = if rng.below(2) == 0 { 4 } else { 8 };
    let copy = rng.below(2) == 0;
    let mut layout = Layout {
        seed,
        shape,
        cores,
        gic: if rng.below(2) == 0 { 2 } else { 3 },
        counter_1ghz: rng.below(2) == 0,
        copy,
        // Not drawn, so that every other draw of a seed stays what it was: each shape comes in
        // both resume modes, alternating every round of the shapes.
        planned: (seed / SHAPES.len() as u64) % 2 == 1,
        heartbeat_us: pick(&mut rng, &HEARTBEATS_US),
        miss_threshold: pick(&mut rng, &THRESHOLDS),
        vms: Vec::new(),
        faults: Vec::new(),
    };
    let hosts = vm_cores(&mut rng, shape, cores);
    layout.faults = faults(&mut rng, shape, cores, &hosts);
    let memory: Vec<u32> = hosts
        .iter()
        .map(|_| rng.between(4, if copy { 64 } else { 16 }) as u32)
        .collect();
    let last_us = f64::from(layout.faults.iter().map(|f| f.at_us).max().unwrap_or(0));
    let largest = f64::from(*memory.iter().max().unwrap());
    let blackout_us = BLACKOUT_US
        + if copy {
            2.0 * largest * COPY_US_PER_MIB
        } else {
            0.0
        };
    let jobs_for = |period_us: u32, utilization: f64| {
        let until_us = last_us + TAIL_US + blackout_us / (1.0 - utilization);
        (until_us / f64::from(period_us)).ceil() as u32
    };
    let most = match shape {
        Shape::OnThePartitions => SHARING_UTILIZATION,
        _ => tasks::MAX_UTILIZATION,
    };
    for (index, (&core, &memory_mib)) in hosts.iter().zip(&memory).enumerate() {
        let scheduler = pick(
            &mut rng,
            &[
                Scheduler::Edf,
                Scheduler::RateMonotonic,
                Scheduler::DeadlineMonotonic,
            ],
        );
        layout.vms.push(VmSpec {
            name: format!("vm{index}"),
            core,
            memory_mib,
            scheduler,
            tasks: tasks::draw(&mut rng, scheduler, most, jobs_for),
        });
    }
    layout
}

/// The cores hosting VMs (1 to cores - 1 of them; the others are spares), as the shape needs.
fn vm_cores(rng: &mut XorShift64Star, shape: Shape, cores: usize) -> Vec<usize> {
    let count = match shape {
        Shape::OnThePartitions => cores - 1,
        Shape::TwoAtOnce | Shape::Staggered => rng.between(2, cores as u64 - 1) as usize,
        _ => rng.between(1, cores as u64 - 1) as usize,
    };
    let mut all: Vec<usize> = (0..cores).collect();
    shuffle(rng, &mut all);
    let mut hosts: Vec<usize> = all[..count].to_vec();
    match shape {
        Shape::BootCore if !hosts.contains(&0) => hosts[0] = 0,
        Shape::ThenBootCore if hosts == [0] => hosts[0] = rng.between(1, cores as u64 - 1) as usize,
        _ => {}
    }
    hosts.sort();
    hosts
}

/// The fault plan of `shape` over VM cores `hosts`.
fn faults(rng: &mut XorShift64Star, shape: Shape, cores: usize, hosts: &[usize]) -> Vec<FaultSpec> {
    let first_us = rng.between(5_000, 60_000) as u32;
    let gap = |rng: &mut XorShift64Star| rng.between(1_000, 10_000) as u32;
    let spares: Vec<usize> = (0..cores).filter(|core| !hosts.contains(core)).collect();
    let mut vm_cores = hosts.to_vec();
    shuffle(rng, &mut vm_cores);
    let (a, b) = (vm_cores[0], *vm_cores.get(1).unwrap_or(&vm_cores[0]));
    let mut plan = vec![(FaultCore::Fixed(a), first_us)];
    match shape {
        Shape::Single => {}
        Shape::BootCore => plan[0].0 = FaultCore::Fixed(0),
        Shape::TwoAtOnce => plan.push((FaultCore::Fixed(b), first_us)),
        Shape::VmAndSpareAtOnce => {
            plan.push((FaultCore::Fixed(pick(rng, &spares)), first_us));
        }
        Shape::OnTheReceiver => {
            let otherwise = pick(rng, &spares);
            plan.push((
                FaultCore::ReceiverOf {
                    fault: 0,
                    otherwise,
                },
                first_us + gap(rng),
            ));
        }
        Shape::ThenBootCore => {
            let first = *vm_cores.iter().find(|&&core| core != 0).unwrap();
            plan[0].0 = FaultCore::Fixed(first);
            plan.push((FaultCore::Fixed(0), first_us + gap(rng)));
        }
        Shape::OnThePartitions => {
            let second_us = first_us + gap(rng);
            plan.push((FaultCore::Fixed(b), second_us));
            let rest: Vec<usize> = (0..cores).filter(|&c| c != a && c != b).collect();
            let otherwise = pick(rng, &rest);
            plan.push((
                FaultCore::ReceiverOf {
                    fault: 1,
                    otherwise,
                },
                second_us + gap(rng),
            ));
        }
        Shape::Staggered => plan.push((FaultCore::Fixed(b), first_us + gap(rng))),
    }
    plan.into_iter()
        .map(|(core, at_us)| FaultSpec {
            core,
            at_us,
            kind: pick(rng, &[FaultKind::Stop, FaultKind::Signal]),
        })
        .collect()
}

fn pick<T: Copy>(rng: &mut XorShift64Star, choices: &[T]) -> T {
    choices[rng.below(choices.len() as u64) as usize]
}

fn shuffle<T>(rng: &mut XorShift64Star, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i as u64 + 1) as usize);
    }
}

/// SplitMix64's finaliser: consecutive seeds give unrelated generator states.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
