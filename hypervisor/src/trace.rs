//! The machine-readable trace: one `EVT {json}` line per event, for tools and tests.
//!
//! Every event carries `"ev"` (its name), `"t_ns"` (system counter time in nanoseconds since
//! the counter started) and `"core"` (logical core that emitted it), followed by event fields.
//! The format is documented in docs/trace.md.

use alloc::string::String;
use core::fmt::Write;

/// A JSON value an event field can hold.
pub enum Value<'a> {
    /// Unsigned integer.
    U64(u64),
    /// Signed integer.
    I64(i64),
    /// String, escaped on output.
    Str(&'a str),
    /// Boolean.
    Bool(bool),
    /// Hexadecimal address, written as a string `"0x..."` so JSON readers keep all 64 bits.
    Hex(u64),
}

/// An event being built; `finish` gives the complete line without its newline.
pub struct Event {
    line: String,
}

impl Event {
    /// Starts an event with its three mandatory fields.
    #[inline(never)]
    pub fn new(name: &str, t_ns: u64, core: usize) -> Event {
        let mut event = Event {
            line: String::with_capacity(128),
        };
        event.line.push_str("EVT {\"ev\":");
        write_string(&mut event.line, name);
        let _ = write!(event.line, ",\"t_ns\":{t_ns},\"core\":{core}");
        event
    }

    /// Adds a field.
    #[inline(never)]
    pub fn field(mut self, key: &str, value: Value) -> Event {
        self.line.push(',');
        write_string(&mut self.line, key);
        self.line.push(':');
        match value {
            Value::U64(v) => {
                let _ = write!(self.line, "{v}");
            }
            Value::I64(v) => {
                let _ = write!(self.line, "{v}");
            }
            Value::Str(s) => write_string(&mut self.line, s),
            Value::Bool(b) => self.line.push_str(if b { "true" } else { "false" }),
            Value::Hex(v) => {
                let _ = write!(self.line, "\"{v:#x}\"");
            }
        }
        self
    }

    /// Shorthand for an unsigned field.
    #[inline(never)]
    pub fn u64(self, key: &str, value: u64) -> Event {
        self.field(key, Value::U64(value))
    }

    /// Shorthand for a string field.
    #[inline(never)]
    pub fn str(self, key: &str, value: &str) -> Event {
        self.field(key, Value::Str(value))
    }

    /// Adds a field whose value is already valid JSON (an array, say).
    #[inline(never)]
    pub fn raw(mut self, key: &str, json: &str) -> Event {
        self.line.push(',');
        write_string(&mut self.line, key);
        self.line.push(':');
        self.line.push_str(json);
        self
    }

    /// Closes the object and returns the line.
    #[inline(never)]
    pub fn finish(mut self) -> String {
        self.line.push('}');
        self.line
    }
}

fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_mandatory_and_extra_fields() {
        let line = Event::new("cpu_online", 1500, 2)
            .u64("mpidr", 2)
            .field("el", Value::U64(2))
            .field("ok", Value::Bool(true))
            .field("delta", Value::I64(-4))
            .field("base", Value::Hex(0x4008_0000))
            .finish();
        assert_eq!(
            line,
            r#"EVT {"ev":"cpu_online","t_ns":1500,"core":2,"mpidr":2,"el":2,"ok":true,"delta":-4,"base":"0x40080000"}"#
        );
    }

    #[test]
    fn escapes_strings() {
        let line = Event::new("config_error", 0, 0)
            .str("message", "bad \"x\"\n\\ \u{1}")
            .finish();
        assert!(
            line.ends_with(r#""message":"bad \"x\"\n\\ \u0001"}"#),
            "{line}"
        );
    }
}
