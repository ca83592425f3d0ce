//! What a resource holds that its delete would take with it (a bucket's objects, a
//! table's items, a queue's messages, a database): each data-bearing type says so
//! through [`Resource::contents`](crate::Resource::contents), and the confirmation of a
//! delete or replace names it, so no data goes without being mentioned.

/// The data one resource holds, as its delete would treat it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    /// What it holds, counted the way the service reports it: "3 objects (5 versions),
    /// 12 KB", "about 1,204 items".
    pub held: String,
    /// What outlives the delete, and where ("kept in a final snapshot"); `None` when the
    /// delete takes everything with it.
    pub kept: Option<String>,
}

/// `n` things in words with thousands separated: "1 object", "12,345 objects".
pub fn count(n: u64, word: &str) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if n == 1 {
        format!("{grouped} {word}")
    } else {
        format!("{grouped} {word}s")
    }
}

/// A size in bytes, in the largest unit that keeps it at or above 1.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if n < 1024 {
        return count(n, "byte");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
