//! The binding read correctly: every property, the defaults, where the node may live.

mod common;

use common::*;
use partition_config::*;

#[test]
fn every_property_is_read() {
    let config = load_body(&vm(
        "full@7",
        "kairos,cpus = <2 3>;
         kairos,memory-size = <0x0 0x02000000>;
         kairos,memory-base = <0x0 0x48000000>;
         kairos,ipa-base = <0x0 0x80000000>;
         kairos,image = \"rtos-demo\";
         kairos,entry = <0x0 0x80001000>;
         kairos,load-offset = <0x1000>;
         kairos,devices = <0x0 0x09040000 0x0 0x1000 0x0 0x09030000 0x0 0x1000>;
         kairos,interrupts = <40 41>;
         kairos,on-fault = \"restart\";
         kairos,migrate = \"if-no-miss\";
         linux,something-else = <1>;
         tasks { kairos,scheduler = \"edf\"; t0 { kairos,wcet-us = <1>; kairos,period-us = <10>; }; };",
    ));
    assert!(config.errors.is_empty(), "{:#?}", config.errors);
    let vm = &config.vms[0];
    assert_eq!(vm.name, "full");
    assert_eq!(vm.node_path, "/hypervisor/full@7");
    assert_eq!(vm.cpus, [2, 3]);
    assert_eq!(vm.memory_size, 32 * MIB);
    assert_eq!((vm.memory_base, vm.memory_fixed), (Some(0x4800_0000), true));
    assert_eq!(vm.ipa_base, 0x8000_0000);
    assert_eq!(vm.image, ImageSource::Builtin("rtos-demo".into()));
    assert_eq!((vm.entry, vm.load_offset), (Some(0x8000_1000), 0x1000));
    assert_eq!(
        vm.devices,
        [
            Range::new(0x0904_0000, 0x1000),
            Range::new(0x0903_0000, 0x1000)
        ]
    );
    assert_eq!(vm.interrupts, [40, 41]);
    assert_eq!(vm.on_fault, OnFault::Restart);
    assert_eq!(vm.migrate, MigratePolicy::IfNoMiss);
    assert_eq!(vm.child_nodes, ["tasks"]);
    assert_eq!(vm.tasks.as_ref().map(|tasks| tasks.tasks.len()), Some(1));
}

#[test]
fn defaults_apply_and_memory_is_placed() {
    let config = load_body(&vm("rtos0", &good(1)));
    assert!(config.errors.is_empty(), "{:#?}", config.errors);
    let vm = &config.vms[0];
    assert_eq!(
        (vm.ipa_base, vm.load_offset, vm.entry),
        (0x4000_0000, 0x8_0000, None)
    );
    assert_eq!(
        (vm.on_fault, vm.migrate),
        (OnFault::Inject, MigratePolicy::Always)
    );
    assert!(vm.devices.is_empty() && vm.interrupts.is_empty() && vm.child_nodes.is_empty());
    assert_eq!(vm.tasks, None);
    assert_eq!(
        (vm.memory_base, vm.memory_fixed),
        (Some(0x4120_0000), false)
    );
    assert_eq!(config.log_level, None);
}

#[test]
fn image_reg_and_one_cell_addresses() {
    let source = "/dts-v1/; / { hypervisor { compatible = \"kairos,hypervisor\";
        #address-cells = <1>; #size-cells = <1>;
        a { compatible = \"kairos,vm\"; kairos,cpus = <1>; kairos,memory-size = <0x1000000>;
            kairos,image-reg = <0x50000000 0x20000>; kairos,entry = <0x40080000>; }; }; };";
    let config = load(&dtb(source), &virt()).unwrap();
    assert!(config.errors.is_empty(), "{:#?}", config.errors);
    assert_eq!(
        config.vms[0].image,
        ImageSource::Memory(Range::new(0x5000_0000, 0x2_0000))
    );
    assert_eq!(config.vms[0].entry, Some(0x4008_0000));
}

#[test]
fn cells_default_to_two_and_one_when_absent() {
    let source = "/dts-v1/; / { hypervisor { compatible = \"kairos,hypervisor\";
        a { compatible = \"kairos,vm\"; kairos,cpus = <1>; kairos,memory-size = <0x1000000>;
            kairos,memory-base = <0x0 0x48000000>; kairos,image = \"hello\"; }; }; };";
    let config = load(&dtb(source), &virt()).unwrap();
    assert!(config.errors.is_empty(), "{:#?}", config.errors);
    assert_eq!(
        config.vms[0].memory(),
        Some(Range::new(0x4800_0000, 16 * MIB))
    );
}

#[test]
fn log_level_is_read_and_checked() {
    let config = load_body(&format!(
        "kairos,log-level = \"debug\"; {}",
        vm("a", &good(1))
    ));
    assert_eq!(config.log_level.as_deref(), Some("debug"));
    let config = load_body(&format!(
        "kairos,log-level = \"loud\"; {}",
        vm("a", &good(1))
    ));
    assert_eq!(config.log_level, None);
    assert_eq!(
        names(&config),
        ["a"],
        "a bad hypervisor property drops no VM"
    );
    assert!(matches!(
        errors_at(&config, "/hypervisor")[..],
        [("kairos,log-level", ErrorKind::UnknownValue { .. })]
    ));
}

#[test]
fn disabled_vms_and_foreign_children_are_skipped() {
    let body = format!(
        "{}{}{}",
        vm("off", &format!("status = \"disabled\"; {}", good(1))),
        "pool { compatible = \"kairos,future-thing\"; kairos,whatever = <1>; };",
        vm("on", &format!("status = \"okay\"; {}", good(1))),
    );
    let config = load_body(&body);
    assert!(config.errors.is_empty(), "{:#?}", config.errors);
    assert_eq!(names(&config), ["on"]);
}

#[test]
fn child_without_compatible_is_reported() {
    let config = load_body(&format!(
        "{}typo {{ kairos,cpus = <2>; }};",
        vm("a", &good(1))
    ));
    assert_eq!(names(&config), ["a"]);
    assert_eq!(
        errors_at(&config, "/hypervisor/typo"),
        [("compatible", &ErrorKind::MissingCompatible)]
    );
}

#[test]
fn error_message_names_node_property_and_problem() {
    let config = load_body(&vm("vm@1", &good(7)));
    assert_eq!(
        config.errors[0].to_string(),
        "vm@1 (/hypervisor/vm@1): property 'kairos,cpus': core 7 does not exist (platform has 4)"
    );
}

#[test]
fn the_hypervisor_node_is_found_wherever_it_is() {
    let vm0 = vm("a", &good(1));
    let overlay = format!(
        "/dts-v1/; / {{ compatible = \"kairos,hypervisor\"; #address-cells = <2>; #size-cells = <2>; {vm0} }};"
    );
    let nested = format!(
        "/dts-v1/; / {{ hypervisor {{ compatible = \"xen,xen\"; }};
         chosen {{ kairos {{ compatible = \"kairos,hypervisor\"; #size-cells = <2>; {vm0} }}; }}; }};"
    );
    assert_eq!(
        find_hypervisor_node(&dtb(&tree(&vm0))).unwrap().as_deref(),
        Some("/hypervisor")
    );
    assert_eq!(
        find_hypervisor_node(&dtb(&overlay)).unwrap().as_deref(),
        Some("/")
    );
    assert_eq!(
        find_hypervisor_node(&dtb(&nested)).unwrap().as_deref(),
        Some("/chosen/kairos")
    );
    assert_eq!(
        find_hypervisor_node(&dtb("/dts-v1/; / { cpus { }; };")).unwrap(),
        None
    );
    for (source, path) in [(overlay, "/a"), (nested, "/chosen/kairos/a")] {
        let config = load(&dtb(&source), &virt()).unwrap();
        assert!(config.errors.is_empty(), "{:#?}", config.errors);
        assert_eq!(names(&config), ["a"]);
        assert_eq!(config.vms[0].node_path, path);
    }
}
