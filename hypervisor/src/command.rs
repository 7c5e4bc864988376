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
}

/// One line per command, for `help`.
pub const HELP: &[&str] = &[
    "help       this list",
    "status     cores and VMs",
    "poweroff   stop every VM and power off",
    "crash      fault injection: panic this core (the others go on)",
];

/// Parses a typed line.
pub fn parse(line: &str) -> Result<Command, CommandError<'_>> {
    let mut words = line.split_whitespace();
    let Some(word) = words.next() else { return Ok(Command::Nothing) };
    let command = match word {
        "help" | "?" => Command::Help,
        "status" => Command::Status,
        "poweroff" | "quit" => Command::PowerOff,
        "crash" => Command::Crash,
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
        assert_eq!(parse("reboot"), Err(CommandError::Unknown("reboot")));
        assert_eq!(parse("status now"), Err(CommandError::UnexpectedArgument("now")));
    }
}
