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
            // Large enough for the largest events (a migration decision is about 1 KB): the
            // line is never copied while it grows.
            line: String::with_capacity(1024),
        };
        event.line.push_str("EVT {\"ev\":");
        write_string(&mut event.line, name);
        event.line.push_str(",\"t_ns\":");
        write_u64(&mut event.line, t_ns);
        event.line.push_str(",\"core\":");
        write_u64(&mut event.line, core as u64);
        event
    }

    /// Adds a field.
    #[inline(never)]
    pub fn field(mut self, key: &str, value: Value) -> Event {
        self.line.push(',');
        write_string(&mut self.line, key);
        self.line.push(':');
        match value {
            Value::U64(v) => write_u64(&mut self.line, v),
            Value::I64(v) => {
                if v < 0 {
                    self.line.push('-');
                }
                write_u64(&mut self.line, v.unsigned_abs());
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

/// Decimal digits of `value`, without going through `core::fmt` (events are built on paths
/// whose time is bounded, such as a migration decision's).
pub fn write_u64(out: &mut String, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        out.push(char::from(digit));
    }
}

fn write_string(out: &mut String, text: &str) {
    out.push('"');
    if !text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(text);
        out.push('"');
        return;
    }
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
    fn writes_integers_at_their_limits() {
        let line = Event::new("limits", u64::MAX, 0)
            .u64("zero", 0)
            .field("min", Value::I64(i64::MIN))
            .field("max", Value::I64(i64::MAX))
            .u64("ten", 10)
            .finish();
        assert_eq!(
            line,
            r#"EVT {"ev":"limits","t_ns":18446744073709551615,"core":0,"zero":0,"min":-9223372036854775808,"max":9223372036854775807,"ten":10}"#
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
