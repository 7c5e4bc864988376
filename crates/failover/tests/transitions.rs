//! Each transition of the ledger on its own: what it changes, and what it refuses.

use failover::*;

fn failure(last_beat_ns: u64) -> Failure {
    Failure {
        by: 0,
        kind: FaultKind::Stop,
        last_beat_ns,
        detected_ns: last_beat_ns + 500,
    }
}

fn moving(from: usize, to: usize) -> Move {
    Move {
        from,
        origin: from,
        to,
        resume: ResumeKind::Checkpoint,
        resume_at_ns: 10,
        predicted_ns: 5,
        detected_ns: 1,
        copy: false,
        shared: false,
        whole_until_ns: 1_000,
    }
}

/// Four cores, guests 0 and 1 on cores 1 and 2.
fn two_guests() -> Ledger {
    let mut ledger = Ledger::new(4);
    assert_eq!(ledger.add_guest(0, 0, 1), Ok(0));
    assert_eq!(ledger.add_guest(1, 0, 2), Ok(1));
    ledger
}

#[test]
fn a_failure_is_claimed_once_and_its_guests_become_the_claimers_orphans() {
    let mut ledger = two_guests();
    let claimed = ledger.claim(3, 1, failure(100)).unwrap();
    assert_eq!(claimed.orphaned, 0b01);
    assert_eq!(ledger.orphans_of(3).collect::<Vec<_>>(), [0]);
    assert!(matches!(ledger.core(1), CoreStatus::Failed(f) if f.by == 3));
    assert_eq!(ledger.claim(2, 1, failure(100)), Err(Refusal::Core(1)));
    assert_eq!(ledger.claim(1, 2, failure(100)), Err(Refusal::Fenced));
    assert_eq!(ledger.claim(2, 2, failure(100)), Err(Refusal::Core(2)));
}

#[test]
fn the_claimer_of_a_decider_inherits_its_orphans() {
    let mut ledger = two_guests();
    ledger.claim(3, 1, failure(100)).unwrap();
    let claimed = ledger.claim(0, 3, failure(200)).unwrap();
    assert_eq!(claimed.inherited, 0b01);
    assert_eq!(ledger.orphans_of(0).collect::<Vec<_>>(), [0]);
}

#[test]
fn a_guest_on_its_way_to_a_core_that_fails_is_orphaned_again() {
    let mut ledger = two_guests();
    ledger.claim(3, 1, failure(100)).unwrap();
    let version = ledger.version;
    let decision = Decision {
        guest: 0,
        placement: Placement::Move {
            moving: moving(1, 0),
            frame: None,
        },
    };
    ledger.commit(3, version, &[decision]).unwrap();
    assert_eq!(ledger.arrivals_for(0).collect::<Vec<_>>(), [0]);
    let claimed = ledger.claim(2, 0, failure(300)).unwrap();
    assert_eq!(claimed.orphaned, 0b01);
    assert!(matches!(
        ledger.guest(0).unwrap().status,
        GuestStatus::Orphaned {
            failed: 0,
            origin: 1,
            decider: 2
        }
    ));
}

#[test]
fn a_decision_on_a_changed_ledger_or_into_an_occupied_core_is_refused_whole() {
    let mut ledger = two_guests();
    ledger.claim(3, 1, failure(100)).unwrap();
    let snapshot = ledger.version;
    let to_busy = Decision {
        guest: 0,
        placement: Placement::Move {
            moving: moving(1, 2),
            frame: None,
        },
    };
    let before = ledger;
    assert_eq!(
        ledger.commit(3, snapshot, &[to_busy]),
        Err(Refusal::NoRoom(2))
    );
    assert_eq!(ledger, before, "nothing applied");
    ledger.add_guest(2, 0, 0).unwrap();
    let to_spare = Decision {
        guest: 0,
        placement: Placement::Move {
            moving: moving(1, 0),
            frame: None,
        },
    };
    assert_eq!(ledger.commit(3, snapshot, &[to_spare]), Err(Refusal::Stale));
    assert_eq!(
        ledger.commit(2, ledger.version, &[to_spare]),
        Err(Refusal::Guest(0)),
        "only the decider decides"
    );
}

#[test]
fn two_decisions_never_take_one_spare() {
    let mut ledger = two_guests();
    ledger.claim(3, 1, failure(100)).unwrap();
    ledger.claim(3, 2, failure(100)).unwrap();
    let both = [0, 1].map(|guest| Decision {
        guest,
        placement: Placement::Move {
            moving: moving(if guest == 0 { 1 } else { 2 }, 0),
            frame: None,
        },
    });
    assert_eq!(
        ledger.commit(3, ledger.version, &both),
        Err(Refusal::NoRoom(0))
    );
}

#[test]
fn sharing_needs_the_whole_frame_of_the_target() {
    let mut ledger = two_guests();
    ledger.claim(3, 1, failure(100)).unwrap();
    let slot = |guest, offset_ns| SlotSpec {
        guest,
        offset_ns,
        length_ns: 100,
    };
    let shared = Move {
        shared: true,
        ..moving(1, 2)
    };
    let partial = FrameSpec::new(0, 1000, &[slot(0, 0)]).unwrap();
    let decide = |frame| {
        [Decision {
            guest: 0,
            placement: Placement::Move {
                moving: shared,
                frame: Some(frame),
            },
        }]
    };
    let version = ledger.version;
    assert_eq!(
        ledger.commit(3, version, &decide(partial)),
        Err(Refusal::NoRoom(2))
    );
    let whole = FrameSpec::new(0, 1000, &[slot(0, 0), slot(1, 500)]).unwrap();
    ledger.commit(3, version, &decide(whole)).unwrap();
    assert_eq!(ledger.frame(2), Some(&whole));
    assert_eq!(ledger.take(2, 0), Ok(shared));
    assert_eq!(ledger.occupants(2).collect::<Vec<_>>(), [0, 1]);
    ledger.stop_vm(1, StopReason::Guest);
    assert_eq!(
        ledger.frame(2).unwrap().slots().len(),
        1,
        "its slot is free"
    );
    ledger.stop_vm(0, StopReason::Guest);
    assert_eq!(ledger.frame(2), None, "an empty frame goes");
}

#[test]
fn only_the_target_takes_a_placed_guest_and_a_stopped_one_is_not_taken() {
    let mut ledger = two_guests();
    ledger.claim(3, 1, failure(100)).unwrap();
    let decision = Decision {
        guest: 0,
        placement: Placement::Move {
            moving: moving(1, 0),
            frame: None,
        },
    };
    ledger.commit(3, ledger.version, &[decision]).unwrap();
    assert_eq!(ledger.take(3, 0), Err(Refusal::Guest(0)));
    let mut stopped = ledger;
    assert_eq!(stopped.stop_vm(0, StopReason::Guest), 1);
    assert_eq!(stopped.take(0, 0), Err(Refusal::Guest(0)));
    assert_eq!(ledger.take(0, 0).map(|m| m.to), Ok(0));
    assert_eq!(
        ledger.guest(0).unwrap().status,
        GuestStatus::Running { core: 0 }
    );
}

#[test]
fn a_decision_to_stop_needs_no_room() {
    let mut ledger = two_guests();
    ledger.claim(3, 1, failure(100)).unwrap();
    let stop = Decision {
        guest: 0,
        placement: Placement::Stop,
    };
    ledger.commit(3, ledger.version, &[stop]).unwrap();
    assert_eq!(
        ledger.guest(0).unwrap().status,
        GuestStatus::Stopped(StopReason::Decision)
    );
}

#[test]
fn a_core_a_migration_gave_whole_to_a_guest_is_not_shared_under_it() {
    let mut ledger = two_guests();
    ledger.claim(3, 1, failure(100)).unwrap();
    let to_spare = Decision {
        guest: 0,
        placement: Placement::Move {
            moving: moving(1, 0),
            frame: None,
        },
    };
    ledger.commit(3, ledger.version, &[to_spare]).unwrap();
    ledger.claim(3, 2, failure(200)).unwrap();
    let slot = |guest, offset_ns| SlotSpec {
        guest,
        offset_ns,
        length_ns: 100,
    };
    let frame = FrameSpec::new(0, 1000, &[slot(0, 0), slot(1, 500)]).unwrap();
    let share = Decision {
        guest: 1,
        placement: Placement::Move {
            moving: Move {
                shared: true,
                ..moving(2, 0)
            },
            frame: Some(frame),
        },
    };
    let version = ledger.version;
    assert_eq!(
        ledger.commit(3, version, &[share]),
        Err(Refusal::NoRoom(0)),
        "on its way there"
    );
    ledger.take(0, 0).unwrap();
    assert_eq!(ledger.guest(0).unwrap().whole_until_ns, 1_000);
    let version = ledger.version;
    assert_eq!(
        ledger.commit(3, version, &[share]),
        Err(Refusal::NoRoom(0)),
        "and once it runs there, until it recovered"
    );
    let recovered = Decision {
        placement: match share.placement {
            Placement::Move { moving, frame } => Placement::Move {
                moving: Move {
                    detected_ns: 1_000,
                    ..moving
                },
                frame,
            },
            Placement::Stop => Placement::Stop,
        },
        ..share
    };
    ledger.commit(3, version, &[recovered]).unwrap();
}
