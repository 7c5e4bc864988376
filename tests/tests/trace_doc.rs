//! docs/trace.md against the code: the events the hypervisor's source emits are the events the
//! page lists, and in runs that provoke nearly every event, each event's fields are ones its
//! row names.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use system_tests::{config, root, Qemu};

/// Each documented event with the names its row gives in backticks (fields, and some values).
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(root().join("docs/trace.md")).unwrap();
    let mut events = BTreeMap::new();
    let (_, tables) = text
        .split_once("\n## Events")
        .expect("docs/trace.md has an \"## Events\" section");
    for line in tables.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `event` | when | fields |
        let [_, event, _, fields, _] = cells[..] else {
            continue;
        };
        let Some(event) = event.strip_prefix('`').and_then(|e| e.strip_suffix('`')) else {
            continue;
        };
        let names = fields
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|name| {
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
            })
            .map(String::from)
            .collect();
        events.insert(event.to_string(), names);
    }
    assert!(events.len() > 20, "{events:?}");
    events
}

/// The text of every Rust file under `dir`.
fn sources(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            text += &sources(&path);
        } else if path.extension().is_some_and(|e| e == "rs") {
            text += &std::fs::read_to_string(&path).unwrap();
        }
    }
    text
}

#[test]
fn the_events_the_source_emits_are_the_events_documented() {
    let source = sources(&root().join("hypervisor/src"));
    let emitted: BTreeSet<String> = source
        .split("event(\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(name, _)| name.to_string()))
        .collect();
    assert!(emitted.len() > 15, "{emitted:?}");
    let documented = documented();
    for name in &emitted {
        assert!(
            documented.contains_key(name),
            "hypervisor/src emits `{name}`, which docs/trace.md does not list"
        );
    }
    for name in documented.keys() {
        // Built by `event("...")`, named by a match arm (the RTOS events), or written by hand
        // (the panic handler's line, which may not allocate).
        let quoted = format!("\"{name}\"");
        let escaped = format!("\\\"{name}\\\"");
        assert!(
            source.contains(&quoted) || source.contains(&escaped),
            "docs/trace.md lists `{name}`, which hypervisor/src never emits"
        );
    }
}

#[test]
fn every_field_of_every_event_is_documented() {
    let runs: Vec<(&str, Qemu)> = vec![
        ("the default demo", Qemu::virt(3, 4)),
        ("vgic", Qemu::virt(3, 4).initrd(&config("vgic"))),
        (
            "attack-restart",
            Qemu::virt(3, 4).initrd(&config("attack-restart")),
        ),
        (
            "migrate-copy",
            Qemu::virt(3, 4).initrd(&config("migrate-copy")),
        ),
        (
            "migrate-signal",
            Qemu::virt(3, 4).initrd(&config("migrate-signal")),
        ),
        (
            "many-errors",
            Qemu::virt(3, 4).initrd(&config("many-errors")),
        ),
        (
            "a panic",
            Qemu::virt(3, 4)
                .initrd(&config("hello-demo"))
                .type_when("hello from vm", "crash\r"),
        ),
    ];
    let results: Vec<(&str, Vec<Value>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .into_iter()
            .map(|(what, qemu)| scope.spawn(move || (what, qemu.run())))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                let (what, run) = handle.join().unwrap();
                run.assert_clean_exit();
                (what, run.events())
            })
            .collect()
    });
    let documented = documented();
    let mut seen = BTreeSet::new();
    for (what, events) in &results {
        for event in events {
            let name = event["ev"].as_str().unwrap();
            let fields = documented
                .get(name)
                .unwrap_or_else(|| panic!("{what}: event `{name}` is not in docs/trace.md"));
            for key in event.as_object().unwrap().keys() {
                let common = ["ev", "t_ns", "core"].contains(&key.as_str());
                assert!(
                    common || fields.contains(key),
                    "{what}: `{name}` has the field `{key}`, which docs/trace.md does not list: {event}"
                );
            }
            seen.insert(name.to_string());
        }
    }
    // Every event but those no run here provokes (a core PSCI cannot start; a core its peers
    // declared failed while it still runs).
    let unprovoked: BTreeSet<String> = documented
        .keys()
        .filter(|name| !seen.contains(*name))
        .cloned()
        .collect();
    let expected: BTreeSet<String> = ["cpu_error", "fenced"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(unprovoked, expected, "events seen: {seen:?}");
}
