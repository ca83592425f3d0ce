//! Secret values known to this process (generated passwords, API keys read back from
//! AWS). Every line of output and logging passes through [`redact`], so a secret that
//! an AWS error message echoes back is still never printed.

use std::borrow::Cow;
use std::sync::RwLock;

static KNOWN: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Shorter values are not masked: they would blank out ordinary words.
const MIN_LEN: usize = 6;

pub const MASK: &str = "(sensitive)";

/// A stable stand-in for a secret inside stored values: it changes when the secret
/// changes (so diffs still work) but reveals nothing about it.
pub fn token(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(secret.as_bytes());
    let short: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("(sensitive:{short})")
}

/// A copy of `value` with every known secret inside its strings replaced by [`token`].
/// Everything that is stored (state) or compared for display goes through this.
pub fn mask_json(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let known = KNOWN.read().unwrap_or_else(|e| e.into_inner());
    if known.is_empty() {
        return value.clone();
    }
    fn walk(v: &Value, known: &[String]) -> Value {
        match v {
            Value::String(s) => {
                let mut out = s.clone();
                for k in known.iter().filter(|k| s.contains(k.as_str())) {
                    out = out.replace(k.as_str(), &token(k));
                }
                Value::String(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(|i| walk(i, known)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), walk(v, known))).collect()),
            other => other.clone(),
        }
    }
    walk(value, &known)
}

/// A value read from AWS, masked wherever the recorded value it is compared with held a
/// secret: a value that was sensitive when applied stays sensitive when read back, even
/// after it changed outside infra or the manifest stopped marking it (the process then
/// has never seen it as a secret). Each such live secret is registered, so no output
/// shows it; the returned value carries tokens, as the state does.
pub fn mask_like(live: &serde_json::Value, recorded: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match (live, recorded) {
        (Value::String(l), Value::String(r)) if r.contains(TOKEN_PREFIX) => Value::String(mask_string(l, r)),
        (Value::Array(l), Value::Array(r)) => {
            Value::Array(l.iter().enumerate().map(|(i, v)| r.get(i).map_or_else(|| v.clone(), |rv| mask_like(v, rv))).collect())
        }
        (Value::Object(l), Value::Object(r)) => {
            Value::Object(l.iter().map(|(k, v)| (k.clone(), r.get(k).map_or_else(|| v.clone(), |rv| mask_like(v, rv)))).collect())
        }
        _ => mask_json(live),
    }
}

const TOKEN_PREFIX: &str = "(sensitive:";

/// `recorded` is text around one or more tokens. When `live` has the same text around
/// one secret, only that part is a secret; otherwise the whole live string is.
fn mask_string(live: &str, recorded: &str) -> String {
    let start = recorded.find(TOKEN_PREFIX).unwrap_or(0);
    let end = recorded[start..].find(')').map(|i| start + i + 1).unwrap_or(recorded.len());
    let (prefix, suffix) = (&recorded[..start], &recorded[end..]);
    let single = !suffix.contains(TOKEN_PREFIX);
    let secret = match live.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(suffix)) {
        Some(middle) if single && !middle.is_empty() => middle,
        _ => live,
    };
    if secret.starts_with(TOKEN_PREFIX) {
        return live.to_string();
    }
    register(secret);
    live.replacen(secret, &token(secret), 1)
}

/// Secret documents this process wrote, by the secret's ARN: a resource that needs the
/// value (a cluster's master password) uses it instead of reading it back from AWS.
static WRITTEN: RwLock<Vec<(String, String)>> = RwLock::new(Vec::new());

/// Keep the value just written to the secret `arn` (already registered for masking).
pub fn remember_written(arn: &str, value: &str) {
    register(value);
    WRITTEN.write().unwrap_or_else(|e| e.into_inner()).push((arn.to_string(), value.to_string()));
}

/// The value this process wrote to the secret `arn`, if it did.
pub fn written(arn: &str) -> Option<String> {
    WRITTEN.read().unwrap_or_else(|e| e.into_inner()).iter().rev().find(|(a, _)| a == arn).map(|(_, v)| v.clone())
}

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
