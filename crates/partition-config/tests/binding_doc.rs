//! The binding document and the parser name the same properties, node by node: every property
//! docs/bindings/kairos-partitions.md lists under a node is accepted there by the parser, and
//! every `kairos,*` name the parser's source knows that the parser accepts in a node is listed
//! under that node. "Accepted" is asked of the parser itself: a property is accepted when
//! loading a config that carries it reports no "unknown property" error for it.

mod common;

use common::{dtb, tree, virt};
use partition_config::{load, ErrorKind};
use std::collections::BTreeSet;
use std::path::Path;

/// The nodes of the binding: the document's section title, and where a probe goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Hypervisor,
    Vm,
    Tasks,
    Task,
}

const NODES: [(Node, &str); 4] = [
    (Node::Hypervisor, "Hypervisor node"),
    (Node::Vm, "VM node"),
    (Node::Tasks, "Tasks node"),
    (Node::Task, "Task node"),
];

/// Properties every device tree has; the parser reads or ignores them, never rejects them.
const STANDARD: [&str; 5] = [
    "compatible",
    "status",
    "#address-cells",
    "#size-cells",
    "ranges",
];

/// Whether the parser accepts `property` in `node`: a config carrying it reports no "unknown
/// property" error about it (other errors, of value or of missing properties, do not matter).
fn accepted(node: Node, property: &str) -> bool {
    if !property.starts_with("kairos,") {
        return true; // the parser ignores names without the prefix (and reads the standard ones)
    }
    let probe = format!("{property};");
    let (body, path) = match node {
        Node::Hypervisor => (
            format!("{probe} probe {{ compatible = \"kairos,vm\"; }};"),
            "/hypervisor",
        ),
        Node::Vm => (
            format!("probe {{ compatible = \"kairos,vm\"; {probe} }};"),
            "/hypervisor/probe",
        ),
        Node::Tasks => (
            format!("probe {{ compatible = \"kairos,vm\"; tasks {{ {probe} }}; }};"),
            "/hypervisor/probe/tasks",
        ),
        Node::Task => (
            format!("probe {{ compatible = \"kairos,vm\"; tasks {{ t {{ {probe} }}; }}; }};"),
            "/hypervisor/probe/tasks/t",
        ),
    };
    let config = load(&dtb(&tree(&body)), &virt()).expect("a config with a VM node loads");
    !config.errors.iter().any(|error| {
        error.node == path && error.property == property && error.kind == ErrorKind::UnknownProperty
    })
}

/// The property names the document lists under each node: the list items (`- name`, and the
/// nested `    - name` of a choice) of the section with that title, up to the next title.
fn documented() -> Vec<(Node, BTreeSet<String>)> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/bindings/kairos-partitions.md");
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let is_title = |i: usize| {
        lines.get(i + 1).is_some_and(|next| {
            !lines[i].trim().is_empty() && next.len() >= 3 && next.chars().all(|c| c == '-')
        })
    };
    let mut sections = Vec::new();
    for (node, title) in NODES {
        let start = (0..lines.len())
            .find(|&i| is_title(i) && lines[i].trim() == title)
            .unwrap_or_else(|| panic!("the binding document has no section \"{title}\""));
        let end = (start + 2..lines.len())
            .find(|&i| is_title(i))
            .unwrap_or(lines.len());
        let mut names = BTreeSet::new();
        for line in &lines[start + 2..end] {
            let Some(item) = line
                .strip_prefix("- ")
                .or_else(|| line.strip_prefix("    - "))
            else {
                continue;
            };
            names.extend(
                item.split_whitespace()
                    .map(|word| word.trim_end_matches([',', ':']))
                    .filter(|word| word.starts_with("kairos,") || STANDARD.contains(word))
                    .map(String::from),
            );
        }
        assert!(!names.is_empty(), "no properties listed under \"{title}\"");
        sections.push((node, names));
    }
    sections
}

/// Every `"kairos,..."` string in the parser's source, compatible strings aside: the names
/// the parser could possibly accept.
fn known_to_the_parser() -> BTreeSet<String> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(source).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for piece in text.split('"').skip(1).step_by(2) {
            let name_like = piece.strip_prefix("kairos,").is_some_and(|rest| {
                !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
            if name_like && piece != "kairos,hypervisor" && piece != "kairos,vm" {
                names.insert(piece.to_string());
            }
        }
    }
    assert!(names.len() > 20, "{names:?}");
    names
}

#[test]
fn every_documented_property_is_accepted_where_it_is_documented() {
    for (node, names) in documented() {
        for name in names {
            assert!(
                accepted(node, &name),
                "docs/bindings/kairos-partitions.md lists {name} under the {node:?} node, but the parser rejects it there"
            );
        }
    }
}

#[test]
fn every_property_the_parser_accepts_is_documented_where_it_is_accepted() {
    let documented = documented();
    for name in known_to_the_parser() {
        for (node, listed) in &documented {
            if accepted(*node, &name) {
                assert!(
                    listed.contains(&name),
                    "the parser accepts {name} in the {node:?} node, but docs/bindings/kairos-partitions.md does not list it there"
                );
            }
        }
    }
}

#[test]
fn the_probe_tells_known_from_unknown() {
    assert!(accepted(Node::Vm, "kairos,cpus"));
    assert!(!accepted(Node::Vm, "kairos,scheduler"));
    assert!(accepted(Node::Tasks, "kairos,scheduler"));
    assert!(!accepted(Node::Hypervisor, "kairos,cpus"));
    assert!(accepted(Node::Hypervisor, "kairos,fault-plan"));
    assert!(accepted(Node::Task, "kairos,wcet-us"));
    assert!(!accepted(Node::Task, "kairos,no-such-thing"));
}
