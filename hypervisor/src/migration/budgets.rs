//! Server budgets computed ahead: the smallest budget (`min_budget`) of every running VM's task
//! set at every candidate frame period, worked out by idle spare cores a little at a time, so
//! that a decision's shared-core search finds them ready instead of spending its time bound on
//! them (one such budget took hundreds of microseconds in the fault campaign).

use super::inputs;
use crate::vm::{vms, VmState};
use alloc::vec::Vec;
use rt_analysis::admission::BudgetSearch;
use rt_analysis::{TaskSet, Time};

/// One budget worked out.
struct Known {
    set: TaskSet,
    period: Time,
    budget: Option<Time>,
}

/// The budgets worked out so far.
static KNOWN: spin::Mutex<Vec<Known>> = spin::Mutex::new(Vec::new());

/// The search under way, carried from one idle moment to the next (by whichever spare has one).
static UNDER_WAY: spin::Mutex<Option<(TaskSet, Time, BudgetSearch)>> = spin::Mutex::new(None);

/// The budget of `set` at `period`, if worked out (`Some(None)`: it fits at no budget).
pub fn known(set: &TaskSet, period: Time) -> Option<Option<Time>> {
    KNOWN
        .lock()
        .iter()
        .find(|known| known.period == period && known.set == *set)
        .map(|known| known.budget)
}

/// Goes on working out budgets while `go_on` says so (asked every few dozen demand checks).
pub fn work_ahead(go_on: &mut dyn FnMut() -> bool) {
    let Some(mut under_way) = UNDER_WAY.try_lock() else {
        return; // another spare is at it
    };
    while go_on() {
        if under_way.is_none() {
            *under_way = next_unknown();
        }
        let Some((set, period, search)) = under_way.as_mut() else {
            return; // all known
        };
        let Some(budget) = search.run(set, *period, go_on) else {
            return; // stopped: goes on next time
        };
        KNOWN.lock().push(Known {
            set: set.clone(),
            period: *period,
            budget,
        });
        *under_way = None;
    }
}

/// The first running VM's task set and candidate period whose budget is not known yet.
fn next_unknown() -> Option<(TaskSet, Time, BudgetSearch)> {
    let periods = inputs::server_periods();
    vms()
        .iter()
        .filter(|vm| vm.state() != VmState::Stopped)
        .filter_map(inputs::task_set)
        .find_map(|set| {
            let period = *periods.iter().find(|&&pi| known(&set, pi).is_none())?;
            Some((set, period, BudgetSearch::new(period)))
        })
}
