//! The interactive console on the boot core: reads typed lines between events, runs commands,
//! and powers off once every VM has stopped.

use crate::arch::aarch64::{cpu, percpu};
use crate::command::{parse, Command, CommandError, HELP};
use alloc::{format, string::String};

/// Serves the console until the machine powers off.
pub fn run() -> ! {
    let mut line = String::new();
    loop {
        if crate::vm::all_stopped() {
            crate::vm::run::finish();
        }
        while let Some(byte) = crate::console::read_byte() {
            match byte {
                b'\r' | b'\n' => {
                    execute(&line);
                    line.clear();
                }
                0x7f | 0x08 => {
                    line.pop();
                }
                byte if (0x20..0x7f).contains(&byte) && line.len() < 80 => line.push(byte as char),
                _ => {}
            }
        }
        cpu::wait_for_event();
    }
}

fn execute(line: &str) {
    match parse(line) {
        Ok(Command::Nothing) => {}
        Ok(Command::Help) => HELP.iter().for_each(|text| crate::console::write_line(text)),
        Ok(Command::Status) => status(),
        Ok(Command::PowerOff) => {
            log::info!("power off requested on the console");
            crate::vm::run::finish();
        }
        Ok(Command::Crash) => panic!("crash requested on the console"),
        Err(CommandError::Unknown(word)) => crate::console::write_line(&format!("unknown command '{word}' (try help)")),
        Err(CommandError::UnexpectedArgument(word)) => {
            crate::console::write_line(&format!("unexpected argument '{word}'"))
        }
    }
}

fn status() {
    let cores = crate::boot::platform().map_or(0, |p| p.cpus.len()).min(percpu::MAX_CPUS);
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
            vm.ram.size >> 20
        ));
    }
}
