//! Checks on node and property names against the character sets of the devicetree spec.

use crate::DtError;
use alloc::string::ToString;

/// Characters allowed in a node name and its unit address (spec table 2.1).
fn is_node_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ',' | '.' | '_' | '+' | '-')
}

/// Characters allowed in a property name (spec table 2.2).
fn is_property_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ',' | '.' | '_' | '+' | '?' | '#' | '-')
}

/// Accepts `name` or `name@unit-address`, each part non-empty and made of allowed characters.
pub(crate) fn check_node_name(name: &str) -> Result<(), DtError> {
    let (base, unit) = match name.split_once('@') {
        Some((base, unit)) => (base, Some(unit)),
        None => (name, None),
    };
    let valid_part = |part: &str| !part.is_empty() && part.chars().all(is_node_name_char);
    if valid_part(base) && unit.is_none_or(valid_part) {
        Ok(())
    } else {
        Err(DtError::InvalidNodeName(name.to_string()))
    }
}

/// Accepts a non-empty property name made of allowed characters.
pub(crate) fn check_property_name(name: &str) -> Result<(), DtError> {
    if !name.is_empty() && name.chars().all(is_property_name_char) {
        Ok(())
    } else {
        Err(DtError::InvalidPropertyName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names() {
        for good in [
            "cpus",
            "cpu@0",
            "serial@9000000",
            "arm,foo_bar+1.x-y",
            "a@1,2",
        ] {
            assert_eq!(check_node_name(good), Ok(()), "{good}");
        }
        for bad in ["", "@1", "cpu@", "a@b@c", "a/b", "a b", "a\0", "ü"] {
            assert!(check_node_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn property_names() {
        for good in ["reg", "#address-cells", "linux,phandle", "arm,x?"] {
            assert_eq!(check_property_name(good), Ok(()), "{good}");
        }
        for bad in ["", "a@b", "a/b", "a b", "a\0"] {
            assert!(check_property_name(bad).is_err(), "{bad:?}");
        }
    }
}
