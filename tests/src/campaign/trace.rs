//! The `EVT` trace of one run in time order, with the accessors the checks need.
//!
//! Events are stamped when a core creates them and printed when it gets the console, so the
//! printed order may differ from the stamped one across cores; the trace is sorted by `t_ns`
//! (stable), and a `fault_injected` is placed at its `at_ns` (the failing core's own instant).

use serde_json::Value;

/// One run's events.
pub struct Trace {
    pub events: Vec<Value>,
    /// Console lines that are not events (guest output, logs).
    pub lines: Vec<String>,
}

impl Trace {
    /// Parses `output`; a malformed `EVT` line is kept as a `malformed` event with its text.
    pub fn parse(output: &str) -> Trace {
        let mut events = Vec::new();
        let mut lines = Vec::new();
        for line in output.lines().map(|l| l.trim_end_matches('\r')) {
            match line.strip_prefix("EVT ") {
                Some(json) => events.push(serde_json::from_str(json).unwrap_or_else(
                    |_| serde_json::json!({"ev": "malformed", "t_ns": 0, "text": json}),
                )),
                None => lines.push(line.to_string()),
            }
        }
        crate::merge_deferred_predictions(&mut events);
        events.sort_by_key(instant);
        Trace { events, lines }
    }

    /// The events called `name`, in time order.
    pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.events.iter().filter(move |e| e["ev"] == name)
    }

    /// `(core, at_ns)` of every injected fault.
    pub fn injections(&self) -> Vec<(u64, u64)> {
        self.named("fault_injected")
            .map(|e| (number(e, "core"), number(e, "at_ns")))
            .collect()
    }

    /// When `core` was injected with a fault, if it was.
    pub fn injected_at(&self, core: u64) -> Option<u64> {
        self.injections()
            .into_iter()
            .find(|&(c, _)| c == core)
            .map(|(_, at)| at)
    }

    /// The instant of `system_off`, if reached.
    pub fn system_off(&self) -> Option<u64> {
        self.named("system_off").next().map(|e| number(e, "t_ns"))
    }

    /// The last instant the trace shows.
    pub fn end(&self) -> u64 {
        self.events.iter().map(instant).max().unwrap_or(0)
    }

    /// VM id of the VM called `name` (from `vm_created`).
    pub fn vm_id(&self, name: &str) -> Option<u64> {
        self.named("vm_created")
            .find(|e| e["name"] == name)
            .map(|e| number(e, "vm"))
    }

    /// The guest console line `[name] DONE ...`, if printed.
    pub fn done_line(&self, name: &str) -> Option<&str> {
        let prefix = format!("[{name}] DONE ");
        self.lines
            .iter()
            .find(|l| l.starts_with(&prefix))
            .map(String::as_str)
    }

    /// The job limit (`J=`) guest `name` printed for task `task` on its `TASK` line.
    pub fn job_limit(&self, name: &str, task: u64) -> Option<u64> {
        let prefix = format!("[{name}] TASK {task} ");
        let line = self.lines.iter().find(|l| l.starts_with(&prefix))?;
        line.split_whitespace()
            .find_map(|word| word.strip_prefix("J="))
            .and_then(|n| n.parse().ok())
    }

    /// A number a guest printed as `key=<n>` on its line starting with `[name] <tag> `.
    pub fn guest_figure(&self, name: &str, tag: &str, key: &str) -> Option<u64> {
        let prefix = format!("[{name}] {tag} ");
        let line = self.lines.iter().find(|l| l.starts_with(&prefix))?;
        line.split_whitespace()
            .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
            .and_then(|n| n.parse().ok())
    }
}

/// Field `key` of `event` as a number (0 when absent).
pub fn number(event: &Value, key: &str) -> u64 {
    event[key].as_u64().unwrap_or(0)
}

/// When an event happened: `at_ns` for an injected fault, else `t_ns`.
pub fn instant(event: &Value) -> u64 {
    if event["ev"] == "fault_injected" {
        number(event, "at_ns")
    } else {
        number(event, "t_ns")
    }
}
