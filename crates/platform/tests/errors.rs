//! Every err-*.dts fixture is rejected with an error naming the right node and property.

mod common;

use common::reject;
use platform::Problem;

/// (fixture, node, property, check on the problem)
type Case = (
    &'static str,
    &'static str,
    &'static str,
    fn(&Problem) -> bool,
);

const CASES: &[Case] = &[
    (
        "err-gic-no-reg",
        "/bus@10000000/interrupt-controller@0",
        "reg",
        |p| *p == Problem::Missing,
    ),
    (
        "err-uart-compatible",
        "/bus@10000000/serial@1000",
        "compatible",
        |p| *p == Problem::UnknownCompatible("acme,fancy-uart".into()),
    ),
    ("err-no-ranges", "/bus@10000000", "ranges", |p| {
        matches!(p, Problem::NotTranslatable(_))
    }),
    ("err-outside-ranges", "/bus@10000000", "ranges", |p| {
        *p == Problem::NotTranslatable(0x20_0000)
    }),
    ("err-stdout-alias", "/chosen", "stdout-path", |p| {
        *p == Problem::Unresolved("serial7".into())
    }),
    (
        "err-stdout-disabled",
        "/bus@10000000/serial@1000",
        "status",
        |p| matches!(p, Problem::BadValue(_)),
    ),
    ("err-psci-method", "/psci", "method", |p| {
        *p == Problem::Missing
    }),
    ("err-spin-table", "/cpus/cpu@0", "cpu-release-addr", |p| {
        *p == Problem::Missing
    }),
    ("err-enable-method", "/cpus/cpu@0", "enable-method", |p| {
        *p == Problem::Unknown("acme,smp".into())
    }),
    ("err-cpu-dup", "/cpus/cpu@1", "reg", |p| {
        matches!(p, Problem::BadValue(_))
    }),
    ("err-initrd-half", "/chosen", "linux,initrd-end", |p| {
        *p == Problem::Missing
    }),
    ("err-initrd-order", "/chosen", "linux,initrd-end", |p| {
        matches!(p, Problem::BadValue(_))
    }),
    ("err-reg-length", "/memory@40000000", "reg", |p| {
        matches!(p, Problem::BadLength { len: 12, .. })
    }),
    ("err-no-memory", "/", "device_type", |p| {
        matches!(p, Problem::NotFound(_))
    }),
    ("err-timer-irqs", "/timer", "interrupts", |p| {
        matches!(p, Problem::BadLength { len: 24, .. })
    }),
    (
        "err-irq-type",
        "/bus@10000000/serial@1000",
        "interrupts",
        |p| matches!(p, Problem::BadValue(_)),
    ),
    ("err-interrupt-parent", "/", "interrupt-parent", |p| {
        *p == Problem::Unresolved("<0x1234>".into())
    }),
    ("err-no-gic", "/", "interrupt-parent", |p| {
        matches!(p, Problem::NotFound(_))
    }),
    ("err-cells", "/bus@10000000", "#address-cells", |p| {
        matches!(p, Problem::BadValue(_))
    }),
];

#[test]
fn every_error_fixture_names_node_and_property() {
    for (name, node, property, check) in CASES {
        let e = reject(&format!("errors/{name}.dtb"));
        assert_eq!(
            (e.node.as_str(), e.property),
            (*node, *property),
            "{name}: {e}"
        );
        assert!(
            check(&e.problem),
            "{name}: unexpected problem {:?}",
            e.problem
        );
        let text = e.to_string();
        assert!(
            text.contains(node) && text.contains(property),
            "{name}: message {text:?}"
        );
    }
}

#[test]
fn every_error_fixture_is_covered() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/errors");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(stem) = name.strip_suffix(".dtb").filter(|s| s.starts_with("err-")) {
            assert!(CASES.iter().any(|c| c.0 == stem), "{name} has no test case");
        }
    }
}

#[test]
fn display_format() {
    let e = reject("errors/err-uart-compatible.dtb");
    assert_eq!(
        e.to_string(),
        "device tree node /bus@10000000/serial@1000 property `compatible`: \
         unsupported compatible \"acme,fancy-uart\""
    );
}

#[test]
fn device_lookup_errors() {
    let dtb = common::fixture("errors/base.dtb");
    let e = platform::Platform::device(&dtb, "/nope@0").unwrap_err();
    assert_eq!((e.node.as_str(), e.property), ("/nope@0", "<path>"));
    let e = platform::Platform::device(&dtb, "serial9").unwrap_err();
    assert_eq!(e.problem, Problem::Unresolved("serial9".into()));
    let bad = common::fixture("errors/err-outside-ranges.dtb");
    let e = platform::Platform::device(&bad, "serial0").unwrap_err();
    assert_eq!((e.node.as_str(), e.property), ("/bus@10000000", "ranges"));
}
