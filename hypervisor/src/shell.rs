//! The interactive console on the boot core: reads typed lines between events and runs them.

use crate::arch::aarch64::percpu;
use crate::command::{parse, Command, CommandError, HELP};
use alloc::{format, string::String};

/// The line being typed.
static LINE: spin::Mutex<String> = spin::Mutex::new(String::new());

/// Reads what was typed since the last call and runs every completed command.
pub fn poll() {
    while let Some(byte) = crate::console::read_byte() {
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
        if let Some(line) = complete {
            execute(&line);
        }
    }
}

fn execute(line: &str) {
    match parse(line) {
        Ok(Command::Nothing) => {}
        Ok(Command::Help) => HELP
            .iter()
            .for_each(|text| crate::console::write_line(text)),
        Ok(Command::Status) => status(),
        Ok(Command::PowerOff) => {
            log::info!("power off requested on the console");
            crate::run::finish();
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
        crate::console::write_line(&format!(
            "vm {} '{}': {:?} on cores {:?}, {} MiB",
            vm.id,
            vm.name,
            vm.state(),
            vm.config.cpus,
            vm.ram().size >> 20
        ));
    }
}
