//! The migration decision of Kairos: when a core fails, what happens to each of its VMs.
//!
//! Pure computation on integer nanoseconds, called once by a surviving core at detection time
//! `t_d` ([`plan`]). For every VM of the failed core it predicts the downtime `D` term by term,
//! the blackout its guest's schedule suffers, the deadline misses that blackout causes, picks a
//! target core and applies the VM's [`MigratePolicy`]. No hardware, no `unsafe`, no floats.
//!
//! # Timeline of one VM (see docs/method.md, sections "Migration downtime" and "Decision")
//!
//! * **Blackout start `s`** ([`blackout_start`]): the last instant up to which the guest's
//!   progress survives. Fail-stop resumes from the committed checkpoint, so `s = t_c` and the
//!   work since is lost (`lost = t_d - t_c`). Fail-signal hands over the live state, and the fault
//!   came after every sign of life: `s = max(last_heartbeat, t_c, t_u)`. A VM without reports:
//!   `s = last_heartbeat`.
//! * **Restore instant `r`** = `t_d + decide + queue + state + copy + remap + restore`, where
//!   `decide` is `n x` the model's per-VM decision bound (all `n` VMs are decided before the first
//!   is restored) and `queue` the `state + copy + remap + restore` of the VMs restored before it.
//! * **Resume instant** = `r + server_wait`: on a spare core the VM runs at `r`; on a shared core
//!   it runs in its slot of the core's cyclic [`Frame`], first supplied `server_wait` after `r`
//!   ([`Frame::first_supply`], [`supply`]). A frame new to the core starts at `r` with the
//!   migrant's slot at its end, so `server_wait = pi - theta`, once the worst case of a
//!   periodic server and now its actual schedule. The hypervisor restores the VM (and starts a
//!   new frame) at [`Decision::restore_at`], not at [`Decision::resume_at`]: a frame started
//!   later would shift every slot from what was predicted.
//! * **Blackout** = resume instant `- s`; **D** = `detect + decide + state + copy + remap +
//!   restore + queue + server_wait` with `detect = t_d - last_heartbeat` (an observed upper bound
//!   of fault to detection). `lost` is reported apart. Every term is an integer upper bound
//!   (the copy term is rounded up by [`rt_analysis::downtime`]), so `measured <= predicted`.
//!
//! # Verdict
//!
//! `A` is the guest's affordable downtime at `s`: its report aged from `t_u` to `s`
//! ([`rt_analysis::age`]); when the report is newer than `s` (fail-stop with `t_u > t_c`) it
//! describes a schedule the rollback discards, so `A(s)` is recomputed from the checkpoint. The
//! method's rule "`D <= A`" is applied as **blackout `<= A(s)`** (the same thing for fail-signal
//! when `s = last_heartbeat`; for fail-stop the lost work, not the detection latency, is what the
//! guest loses). VMs are restored in ascending order of their latest safe resume instant `s + A`
//! (i.e. ascending `A` aged to `t_d`; unbounded last; ties by VM id). Predicted misses come from
//! `rt_analysis`'s simulator: exact on a spare core and in a frame's slot (context switches at
//! their bound; shorter ones only add supply), with every job running its WCET (fail-signal:
//! the checkpoint is advanced to `s` that way); jobs running shorter cannot miss more
//! (work-conserving fixed-job-priority schedulers).
//!
//! ```
//! use migration_policy::*;
//! use rt_analysis::downtime::DowntimeModel;
//!
//! let model = DowntimeModel { decide: 100_000, state: 20_000, remap: 20_000, restore: 60_000,
//!                             copy_bytes_per_sec: 1_000_000_000, detect: 0 };
//! let platform = Platform { model, server_periods: vec![10_000_000], switch: 5_000,
//!                           decide_shared: 300_000, progress: None, clock: None,
//!                           reserve: 0, known_budgets: None };
//! let fault = FaultInput { failed_core: 1, detected_at: 5_000_000, last_heartbeat: 4_000_000,
//!                          kind: FaultKind::FailStop, signalled_at: None };
//! let vm = VmInput { vm: 0, name: "linux".into(), memory_bytes: 1 << 20, copy_memory: false,
//!                    policy: MigratePolicy::Always, checkpoint_only: false, reload_ns: 0,
//!                    realtime: None };
//! let cores = [CoreInput::idle(0), CoreInput { healthy: false, ..CoreInput::idle(1) }];
//! let plan = plan(&fault, &[vm], &cores, &platform);
//! let decision = &plan.decisions[0];
//! assert_eq!(decision.target, Target::Spare(0));
//! assert_eq!(decision.reason, Reason::UnreportedAccepted);
//! assert_eq!(decision.downtime.total, 1_000_000 + 100_000 + 100_000);
//! ```
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod decision;
mod display;
mod frame;
mod input;
mod periods;
mod placement;
mod plan;
mod slack;
pub mod supply;
mod trace;

pub use decision::{
    Alternative, Decision, Deferred, DowntimeTerms, Plan, Reason, Report, SlackSource, Target,
};
pub use frame::{Frame, Slot};
pub use input::{
    CoreInput, FaultInput, FaultKind, MigratePolicy, Platform, RanIn, RealTimeInput, VmInput,
};
pub use periods::candidate_periods;
pub use placement::server_budget;
pub use plan::{plan, plan_with, TargetChoice};
pub use slack::blackout_start;
pub use supply::Supply;
pub use trace::{trace_fields, TraceValue};
