//! The interactive console on the core that serves it: reads what was typed between events,
//! hands it to the VM that has the console's focus (Ctrl-a three times switches, see
//! `console_input`) or runs the shell's commands.

use crate::arch::aarch64::percpu;
use crate::command::{parse, Command, CommandError, HELP};
use crate::console_input::{Action, Focus, Router, SWITCH_PRESSES};
use alloc::{format, string::String};

/// The line being typed.
static LINE: spin::Mutex<String> = spin::Mutex::new(String::new());
/// Who reads console input.
static ROUTER: spin::Mutex<Router> = spin::Mutex::new(Router::new());

/// Reads what was typed since the last call: bytes for the focused VM go to its console UART,
/// bytes for the shell complete lines, each run as a command. True when a command asked to power
/// the machine off (the run loop does it; the rest of what was typed is dropped).
pub fn poll() -> bool {
    while let Some(byte) = crate::console::read_byte() {
        let vms = crate::vm::vms();
        let takes_input = |vm: usize| vms[vm].uart.is_some();
        // Acted on once the router is free again: a command may never return (crash, poweroff).
        let mut actions = alloc::vec::Vec::with_capacity(usize::from(SWITCH_PRESSES));
        ROUTER
            .lock()
            .feed(byte, vms.len(), takes_input, |action| actions.push(action));
        for action in actions {
            match action {
                Action::Shell(byte) if shell_byte(byte) => return true,
                Action::Shell(_) => {}
                Action::Vm(vm, byte) => vms[vm].type_input(byte),
                Action::Switched { from, to } => switched(from, to),
            }
        }
    }
    false
}

/// Announces a focus change and tells the VMs concerned.
fn switched(from: Focus, to: Focus) {
    let vms = crate::vm::vms();
    if let Focus::Vm(vm) = from {
        vms[vm].set_console_focus(false);
    }
    let target = match to {
        Focus::Shell => String::from("the hypervisor shell"),
        Focus::Vm(vm) => format!("VM {vm} '{}'", vms[vm].name),
    };
    crate::console::write_line(&format!(
        "kairos: console input goes to {target} (Ctrl-a three times switches)"
    ));
    if let Focus::Vm(vm) = to {
        vms[vm].set_console_focus(true);
    }
}

/// A byte for the shell: edits the line, runs it when complete; true for a power-off request.
fn shell_byte(byte: u8) -> bool {
    let complete = {
        let mut line = LINE.lock();
        match byte {
            b'\r' | b'\n' => Some(core::mem::take(&mut *line)),
            0x7f | 0x08 => {
                line.pop();
                None
            }
            byte if (0x20..0x7f).contains(&byte) && line.len() < 80 => {
                line.push(byte as char);
                None
            }
            _ => None,
        }
    };
    complete.is_some_and(|line| execute(&line))
}

/// Runs a command line; true when it asks for power-off.
fn execute(line: &str) -> bool {
    match parse(line) {
        Ok(Command::Nothing) => {}
        Ok(Command::Help) => HELP
            .iter()
            .for_each(|text| crate::console::write_line(text)),
        Ok(Command::Status) => status(),
        Ok(Command::PowerOff) => {
            log::info!("power off requested on the console");
            return true;
        }
        Ok(Command::Crash) => panic!("crash requested on the console"),
        Ok(Command::Fault { core, kind }) => {
            if crate::health::inject(core, kind) {
                crate::console::write_line(&format!("fault {kind:?} requested on core {core}"));
            } else {
                crate::console::write_line(&format!("no core {core}"));
            }
        }
        Err(CommandError::Unknown(word)) => {
            crate::console::write_line(&format!("unknown command '{word}' (try help)"))
        }
        Err(CommandError::Usage(usage)) => crate::console::write_line(&format!("usage: {usage}")),
        Err(CommandError::UnexpectedArgument(word)) => {
            crate::console::write_line(&format!("unexpected argument '{word}'"))
        }
    }
    false
}

fn status() {
    let cores = crate::machine::platform()
        .map_or(0, |p| p.cpus.len())
        .min(percpu::MAX_CPUS);
    for id in 0..cores {
        let core = percpu::of(id);
        crate::console::write_line(&format!("core {id}: {:?}", core.state()));
    }
    for vm in crate::vm::vms() {
        // Where its vCPUs are now: a migration or a restart on a spare moves them.
        let cores: alloc::vec::Vec<usize> = vm.vcpus.iter().map(|slot| slot.core()).collect();
        crate::console::write_line(&format!(
            "vm {} '{}': {:?} on cores {:?}, {} MiB",
            vm.id,
            vm.name,
            vm.state(),
            cores,
            vm.ram().size >> 20
        ));
    }
}
