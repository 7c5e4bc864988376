//! Errors the node alone shows: wrong types and lengths, unknown values and properties,
//! missing properties, image sources.

mod common;

use common::*;
use partition_config::{ErrorKind, ValueType};

fn wrong(expected: ValueType, found_bytes: usize) -> ErrorKind {
    ErrorKind::WrongType {
        expected,
        found_bytes,
    }
}

const SIZE: &str = "kairos,memory-size = <0x0 0x01000000>;";
const CPU: &str = "kairos,cpus = <1>;";
const IMAGE: &str = "kairos,image = \"hello\";";

#[test]
fn a_string_where_cells_are_expected() {
    let error = single_error(&format!("kairos,cpus = \"one\"; {SIZE} {IMAGE}"));
    let text = ErrorKind::NotCells {
        expected: ValueType::CellList(1),
        text: "one".into(),
    };
    assert_eq!(error, ("kairos,cpus".into(), text));
    assert_eq!(
        error.1.to_string(),
        "expected a list of cells, found the string \"one\""
    );
    let error = single_error(&format!("{CPU} kairos,memory-size = \"16777216\"; {IMAGE}"));
    assert!(matches!(
        error.1,
        ErrorKind::NotCells {
            expected: ValueType::Cells(2),
            ..
        }
    ));
    let error = single_error(&format!("{CPU} {SIZE} {IMAGE} kairos,devices = \"uart\";"));
    assert_eq!(
        error,
        ("kairos,devices".into(), wrong(ValueType::CellList(4), 5))
    );
}

#[test]
fn wrong_cell_counts() {
    let cases = [
        (
            "kairos,memory-size = <0x01000000>;",
            "kairos,memory-size",
            wrong(ValueType::Cells(2), 4),
        ),
        (
            "kairos,memory-base = <0x0 0x0 0x48000000>;",
            "kairos,memory-base",
            wrong(ValueType::Cells(2), 12),
        ),
        (
            "kairos,load-offset = <0x0 0x80000>;",
            "kairos,load-offset",
            wrong(ValueType::Cells(1), 8),
        ),
        (
            "kairos,devices = <0x0 0x09040000 0x1000>;",
            "kairos,devices",
            wrong(ValueType::CellList(4), 12),
        ),
        (
            "kairos,entry = [00 00 40];",
            "kairos,entry",
            wrong(ValueType::Cells(2), 3),
        ),
        (
            "kairos,interrupts = [00 00 00 28 01];",
            "kairos,interrupts",
            wrong(ValueType::CellList(1), 5),
        ),
    ];
    for (property, name, kind) in cases {
        let base = if name == "kairos,memory-size" {
            String::new()
        } else {
            SIZE.to_string()
        };
        let error = single_error(&format!("{CPU} {base} {IMAGE} {property}"));
        assert_eq!(error, (name.to_string(), kind), "{property}");
    }
}

#[test]
fn strings_and_flags_with_the_wrong_shape() {
    let cases = [
        (
            "kairos,on-fault = <1>;",
            "kairos,on-fault",
            wrong(ValueType::String, 4),
        ),
        (
            "kairos,on-fault = \"stop\", \"inject\";",
            "kairos,on-fault",
            wrong(ValueType::String, 12),
        ),
        (
            "kairos,migrate;",
            "kairos,migrate",
            wrong(ValueType::String, 0),
        ),
    ];
    for (property, name, kind) in cases {
        let error = single_error(&format!("{CPU} {SIZE} {IMAGE} {property}"));
        assert_eq!(error, (name.to_string(), kind), "{property}");
    }
    let error = single_error(&format!("{CPU} {SIZE} kairos,image = <7>;"));
    assert_eq!(error, ("kairos,image".into(), wrong(ValueType::String, 4)));
}

#[test]
fn unknown_values() {
    let error = single_error(&format!("{} kairos,on-fault = \"explode\";", good(1)));
    assert_eq!(error.0, "kairos,on-fault");
    assert!(matches!(&error.1, ErrorKind::UnknownValue { value, .. } if value == "explode"));
    assert_eq!(
        error.1.to_string(),
        "unknown value \"explode\" (expected one of: inject, stop, restart)"
    );
    let error = single_error(&format!("{} kairos,migrate = \"sometimes\";", good(1)));
    assert!(matches!(&error.1, ErrorKind::UnknownValue { value, .. } if value == "sometimes"));
}

#[test]
fn unknown_kairos_properties_are_errors_others_are_not() {
    let error = single_error(&format!(
        "{} kairos,cpu = <1>; vendor,other = <1>;",
        good(1)
    ));
    assert_eq!(error, ("kairos,cpu".into(), ErrorKind::UnknownProperty));
    let config = load_body(&format!("kairos,colour = \"red\"; {}", vm("a", &good(1))));
    assert_eq!(names(&config), ["a"]);
    assert_eq!(
        errors_at(&config, "/hypervisor"),
        [("kairos,colour", &ErrorKind::UnknownProperty)]
    );
}

#[test]
fn missing_required_properties() {
    let errors = single_vm_errors("kairos,image = \"hello\";");
    assert_eq!(
        errors,
        [
            ("kairos,cpus".into(), ErrorKind::MissingProperty),
            ("kairos,memory-size".into(), ErrorKind::MissingProperty),
        ]
    );
}

#[test]
fn exactly_one_image_source() {
    let error = single_error(&format!("{CPU} {SIZE}"));
    assert_eq!(error, ("kairos,image".into(), ErrorKind::MissingImage));
    let error = single_error(&format!(
        "{CPU} {SIZE} {IMAGE} kairos,image-reg = <0x0 0x50000000 0x0 0x1000>;"
    ));
    assert_eq!(error, ("kairos,image".into(), ErrorKind::BothImages));
    let error = single_error(&format!(
        "{CPU} {SIZE} kairos,image-reg = <0x0 0x50000000 0x0 0x1000 0x0 0x51000000 0x0 0x1000>;"
    ));
    assert_eq!(
        error,
        ("kairos,image-reg".into(), wrong(ValueType::Cells(4), 32))
    );
}

#[test]
fn all_problems_of_a_node_are_listed_at_once() {
    let errors = single_vm_errors("kairos,cpus = \"x\"; kairos,memory-size = <1>; kairos,oops;");
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

#[test]
fn unusable_cell_sizes_fail_the_whole_config() {
    let source = "/dts-v1/; / { hypervisor { compatible = \"kairos,hypervisor\";
        #address-cells = <3>; a { compatible = \"kairos,vm\"; }; }; };";
    let error = partition_config::load(&dtb(source), &virt()).unwrap_err();
    assert_eq!(
        (error.node.as_str(), error.property.as_str()),
        ("/hypervisor", "#address-cells")
    );
    assert_eq!(error.kind, ErrorKind::UnsupportedCells { cells: 3 });
}
