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
    pub fn new(name: &str, t_ns: u64, core: usize) -> Event {
        let mut event = Event {
            // Large enough for the largest events (a migration decision is about 1 KB): the
            // line is never copied while it grows.
            line: String::with_capacity(1024),
        };
        event.line.push_str("EVT {\"ev\":");
        write_string(&mut event.line, name);
        event.line.push_str(",\"t_ns\":");
        push_number(&mut event.line, t_ns, 10);
        event.line.push_str(",\"core\":");
        push_number(&mut event.line, core as u64, 10);
        event
    }

    /// Adds a field.
    pub fn field(mut self, key: &str, value: Value) -> Event {
        self.line.push(',');
        write_string(&mut self.line, key);
        self.line.push(':');
        match value {
            Value::U64(v) => push_number(&mut self.line, v, 10),
            Value::I64(v) => {
                if v < 0 {
                    self.line.push('-');
                }
                push_number(&mut self.line, v.unsigned_abs(), 10);
            }
            Value::Str(s) => write_string(&mut self.line, s),
            Value::Bool(b) => self.line.push_str(if b { "true" } else { "false" }),
            Value::Hex(v) => {
                self.line.push_str("\"0x");
                push_number(&mut self.line, v, 16);
                self.line.push('"');
            }
        }
        self
    }

    /// Shorthand for an unsigned field.
    pub fn u64(self, key: &str, value: u64) -> Event {
        self.field(key, Value::U64(value))
    }

    /// Shorthand for a string field.
    pub fn str(self, key: &str, value: &str) -> Event {
        self.field(key, Value::Str(value))
    }

    /// Adds a field whose value is already valid JSON (an array, say).
    pub fn raw(mut self, key: &str, json: &str) -> Event {
        self.line.push(',');
        write_string(&mut self.line, key);
        self.line.push(':');
        self.line.push_str(json);
        self
    }

    /// Closes the object and returns the line.
    pub fn finish(mut self) -> String {
        self.line.push('}');
        self.line
    }
}

/// Appends the decimal digits of `value` (events are built on paths whose time is bounded,
/// such as a migration decision's).
pub fn write_u64(out: &mut String, value: u64) {
    push_number(out, value, 10);
}

/// Appends `value` in base `radix` (10 or 16, lower-case digits): events are written on the
/// boot path, where `core::fmt` costs several times as much.
fn push_number(out: &mut String, value: u64, radix: u64) {
    push_padded(out, value, radix, 0, ' ');
}

/// Appends `value` in base `radix`, at least `width` characters wide, `pad` on the left.
pub fn push_padded(out: &mut String, mut value: u64, radix: u64, width: usize, pad: char) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b"0123456789abcdef"[(value % radix) as usize];
        value /= radix;
        if value == 0 {
            break;
        }
    }
    (digits.len() - at..width).for_each(|_| out.push(pad));
    digits[at..]
        .iter()
        .for_each(|&digit| out.push(char::from(digit)));
}

/// Appends `text` as a JSON string, copying the runs that need no escape whole.
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    let mut plain = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        // `byte` is ASCII, so `at` is a character boundary.
        out.push_str(&text[plain..at]);
        if escaped.is_empty() {
            let _ = write!(out, "\\u{:04x}", byte);
        } else {
            out.push_str(escaped);
        }
        plain = at + 1;
    }
    out.push_str(&text[plain..]);
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
            .field("zero", Value::Hex(0))
            .u64("big", u64::MAX)
            .finish();
        assert_eq!(
            line,
            r#"EVT {"ev":"cpu_online","t_ns":1500,"core":2,"mpidr":2,"el":2,"ok":true,"delta":-4,"base":"0x40080000","zero":"0x0","big":18446744073709551615}"#
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
    fn pads_numbers() {
        let mut out = String::new();
        push_padded(&mut out, 7, 10, 4, ' ');
        push_padded(&mut out, 1234, 10, 6, '0');
        push_padded(&mut out, 123_456_789, 10, 4, ' ');
        assert_eq!(out, "   7001234123456789");
    }

    #[test]
    fn escapes_strings() {
        let line = Event::new("config_error", 0, 0)
            .str("message", "bad \"x\"\n\\ \u{1}é")
            .finish();
        assert!(
            line.ends_with(r#""message":"bad \"x\"\n\\ \u0001é"}"#),
            "{line}"
        );
    }
}
