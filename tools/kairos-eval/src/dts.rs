//! Just enough of a device-tree source reader to find a VM's `tasks` node (a `.dtb` is turned
//! back into source with `dtc -I dtb -O dts` first).

use rt_analysis::task::{rate_monotonic_priorities, Scheduler, Task, TaskSet};
use std::path::Path;

#[derive(Debug, Default)]
pub struct Node {
    pub name: String,
    pub props: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Node {
    pub fn prop(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children
            .iter()
            .find(|c| c.name == name || c.name.split('@').next() == Some(name))
    }
    /// Depth-first search by node name.
    pub fn find(&self, name: &str) -> Option<&Node> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }
}

/// Parses DTS text (comments, `/dts-v1/;`, nodes, properties; no includes or labels needed).
pub fn parse(text: &str) -> crate::Result<Node> {
    let mut clean = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |i| &r[i..]);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map_or("", |i| &r[i + 2..]);
        } else if rest.starts_with("/dts-v1/") || rest.starts_with("/include/") {
            rest = rest.find(';').map_or("", |i| &rest[i + 1..]);
        } else {
            let c = rest.chars().next().unwrap();
            clean.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    let mut stack = vec![Node {
        name: "<top>".into(),
        ..Node::default()
    }];
    let mut cur = String::new();
    let mut in_str = false;
    let mut depth_angle = 0;
    for c in clean.chars() {
        if in_str {
            cur.push(c);
            if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                cur.push(c)
            }
            '<' => {
                depth_angle += 1;
                cur.push(c)
            }
            '>' => {
                depth_angle -= 1;
                cur.push(c)
            }
            '{' if depth_angle == 0 => {
                let name = cur
                    .trim()
                    .rsplit(':')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                stack.push(Node {
                    name,
                    ..Node::default()
                });
                cur.clear();
            }
            '}' if depth_angle == 0 => {
                let node = stack.pop().ok_or("unbalanced '}'")?;
                stack
                    .last_mut()
                    .ok_or("unbalanced '}'")?
                    .children
                    .push(node);
                cur.clear();
            }
            ';' if depth_angle == 0 => {
                let stmt = cur.trim();
                if !stmt.is_empty() {
                    let (n, v) = stmt.split_once('=').unwrap_or((stmt, ""));
                    stack
                        .last_mut()
                        .unwrap()
                        .props
                        .push((n.trim().to_string(), v.trim().to_string()));
                }
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    if stack.len() != 1 {
        return Err("unbalanced braces in the device tree source".into());
    }
    Ok(stack.pop().unwrap())
}

/// The cells of a `<a b c>` value (decimal or 0x hex).
pub fn cells(value: &str) -> crate::Result<Vec<u64>> {
    let inner = value.trim().trim_start_matches('<').trim_end_matches('>');
    inner
        .split_whitespace()
        .map(|w| {
            let r = if let Some(h) = w.strip_prefix("0x") {
                u64::from_str_radix(h, 16)
            } else {
                w.parse()
            };
            r.map_err(|_| format!("'{w}' is not a number in {value}"))
        })
        .collect()
}

/// Reads a config (`.dts`, or a `.dtb` through dtc) and returns the task set of VM `vm` and
/// its memory size in bytes.
pub fn load_vm(path: &Path, vm: &str) -> crate::Result<(TaskSet, u64)> {
    let text = if path.extension().is_some_and(|e| e == "dtb") {
        let out = std::process::Command::new("dtc")
            .args(["-q", "-I", "dtb", "-O", "dts"])
            .arg(path)
            .output()
            .map_err(|e| format!("running dtc on {}: {e}", path.display()))?;
        if !out.status.success() {
            return Err(format!(
                "dtc could not read {}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?
    };
    let root = parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let node = root
        .find(vm)
        .ok_or_else(|| format!("{}: no VM node named '{vm}'", path.display()))?;
    let size = match node.prop("kairos,memory-size") {
        Some(v) => cells(v)?.iter().fold(0u64, |acc, c| (acc << 32) | c),
        None => 0,
    };
    let tasks = node
        .child("tasks")
        .ok_or_else(|| format!("VM '{vm}' has no tasks node"))?;
    Ok((
        vm_task_set(tasks).map_err(|e| format!("VM '{vm}': {e}"))?,
        size,
    ))
}

fn vm_task_set(tasks: &Node) -> crate::Result<TaskSet> {
    let sched = tasks
        .prop("kairos,scheduler")
        .unwrap_or("\"edf\"")
        .trim_matches('"');
    let mut list = Vec::new();
    let mut explicit_priorities = false;
    for t in &tasks.children {
        let get = |p: &str| -> crate::Result<Option<u64>> {
            t.prop(p)
                .map(|v| cells(v).map(|c| c.first().copied().unwrap_or(0)))
                .transpose()
        };
        let wcet = get("kairos,wcet-us")?
            .ok_or_else(|| format!("task {} has no kairos,wcet-us", t.name))?;
        let period = get("kairos,period-us")?
            .ok_or_else(|| format!("task {} has no kairos,period-us", t.name))?;
        let deadline = get("kairos,deadline-us")?.unwrap_or(period);
        let mut task = Task::periodic(wcet * 1000, period * 1000).with_deadline(deadline * 1000);
        if let Some(p) = get("kairos,priority")? {
            task = task.with_priority(p as u32);
            explicit_priorities = true;
        }
        list.push(task);
    }
    task_set(list, sched, explicit_priorities)
}

/// Builds a task set for scheduler `edf`, `rm` or `fp` (RM priorities unless given).
pub fn task_set(
    mut list: Vec<Task>,
    sched: &str,
    explicit_priorities: bool,
) -> crate::Result<TaskSet> {
    let scheduler = match sched {
        "edf" => Scheduler::Edf,
        "rm" | "fp" => Scheduler::FixedPriority,
        other => return Err(format!("unknown scheduler '{other}' (edf, rm or fp)")),
    };
    if scheduler == Scheduler::FixedPriority && !explicit_priorities {
        rate_monotonic_priorities(&mut list);
    }
    TaskSet::new(list, scheduler).map_err(|e| format!("invalid task set: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_demo_config() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/configs/migrate-demo.dts");
        let (set, size) = load_vm(&path, "rtos1").unwrap();
        assert_eq!(size, 0x400000);
        assert_eq!(set.len(), 1);
        assert_eq!(set.task(0).wcet, 1_700_000);
        let (set, _) = load_vm(&path, "rtos2").unwrap();
        assert_eq!(set.scheduler(), Scheduler::FixedPriority);
        assert!(load_vm(&path, "nope").is_err());
    }
}
