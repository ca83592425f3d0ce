//! Secret values known to this process (generated passwords, API keys read back from
//! AWS). Every line of output and logging passes through [`redact`], so a secret that
//! an AWS error message echoes back is still never printed.

use std::borrow::Cow;
use std::sync::RwLock;

static KNOWN: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Shorter values are not masked: they would blank out ordinary words.
const MIN_LEN: usize = 6;

pub const MASK: &str = "(sensitive)";

/// Remember a secret so it is masked wherever it would be shown.
pub fn register(value: &str) {
    if value.len() < MIN_LEN {
        return;
    }
    let mut known = KNOWN.write().unwrap_or_else(|e| e.into_inner());
    if !known.iter().any(|k| k == value) {
        known.push(value.to_string());
        // Longest first, so a secret that contains another is masked whole.
        known.sort_by_key(|k| std::cmp::Reverse(k.len()));
    }
}

/// The text with every registered secret replaced by [`MASK`].
pub fn redact(text: &str) -> Cow<'_, str> {
    let known = KNOWN.read().unwrap_or_else(|e| e.into_inner());
    if !known.iter().any(|k| text.contains(k.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for k in known.iter() {
        out = out.replace(k.as_str(), MASK);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_registered_values_only() {
        register("s3cr3t-Value-123");
        register("abc");
        assert_eq!(redact("pw=s3cr3t-Value-123;"), "pw=(sensitive);");
        assert_eq!(redact("abc is short"), "abc is short");
    }
}
