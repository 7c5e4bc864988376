//! Console commands: parsing typed lines into commands (pure, host-tested).

/// A command typed on the hypervisor console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// List the commands.
    Help,
    /// Show cores and VMs.
    Status,
    /// Power the machine off now.
    PowerOff,
    /// Fault injection: panic the hypervisor on the console's core, to show that a hypervisor
    /// fault parks that core alone.
    Crash,
    /// Fault injection: make `core` fail (stop silently, or signal its own failure).
    Fault {
        core: usize,
        kind: partition_config::FaultKind,
    },
    /// An empty line.
    Nothing,
}

/// Why a line is not a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandError<'a> {
    /// The first word is not a command.
    Unknown(&'a str),
    /// The command takes no arguments but got some.
    UnexpectedArgument(&'a str),
    /// An argument is missing or malformed; the text says what was expected.
    Usage(&'static str),
}

/// One line per command, for `help`.
pub const HELP: &[&str] = &[
    "help       this list",
    "status     cores and VMs",
    "poweroff   stop every VM and power off",
    "crash      fault injection: panic this core (the others go on)",
    "fault <core> stop|signal   fault injection: the core fails silently or signals it",
];

/// Parses a typed line.
pub fn parse(line: &str) -> Result<Command, CommandError<'_>> {
    let mut words = line.split_whitespace();
    let Some(word) = words.next() else {
        return Ok(Command::Nothing);
    };
    let command = match word {
        "help" | "?" => Command::Help,
        "status" => Command::Status,
        "poweroff" | "quit" => Command::PowerOff,
        "crash" => Command::Crash,
        "fault" => {
            const USAGE: &str = "fault <core> stop|signal";
            let core = words
                .next()
                .and_then(|w| w.parse().ok())
                .ok_or(CommandError::Usage(USAGE))?;
            let kind = match words.next() {
                Some("stop") => partition_config::FaultKind::Stop,
                Some("signal") => partition_config::FaultKind::Signal,
                _ => return Err(CommandError::Usage(USAGE)),
            };
            Command::Fault { core, kind }
        }
        other => return Err(CommandError::Unknown(other)),
    };
    match words.next() {
        Some(extra) => Err(CommandError::UnexpectedArgument(extra)),
        None => Ok(command),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines() {
        assert_eq!(parse("  status "), Ok(Command::Status));
        assert_eq!(parse(""), Ok(Command::Nothing));
        assert_eq!(parse("help"), Ok(Command::Help));
        assert_eq!(parse("poweroff"), Ok(Command::PowerOff));
        assert_eq!(parse("crash"), Ok(Command::Crash));
        let stop = partition_config::FaultKind::Stop;
        assert_eq!(
            parse("fault 2 stop"),
            Ok(Command::Fault {
                core: 2,
                kind: stop
            })
        );
        assert_eq!(
            parse("fault x stop"),
            Err(CommandError::Usage("fault <core> stop|signal"))
        );
        assert_eq!(
            parse("fault 1 melt"),
            Err(CommandError::Usage("fault <core> stop|signal"))
        );
        assert_eq!(parse("reboot"), Err(CommandError::Unknown("reboot")));
        assert_eq!(
            parse("status now"),
            Err(CommandError::UnexpectedArgument("now"))
        );
    }
}
