//! AWS's CloudFormation resource schemas as a tested contract (issue 24): every registered
//! type with a CloudFormation counterpart is compared, property by property, with the
//! schema AWS publishes (tests/aws-schemas/, refreshed by scripts/refresh-aws-schemas.sh
//! from the cfn-lint package): create-only vs `replace`, required, `OneOf` vs `enum`,
//! names and lengths vs `pattern`/`minLength`/`maxLength`, `Range` vs
//! `minimum`/`maximum`. Every disagreement must be listed with its reason in
//! crates/resources/src/schema/aws_contract.toml, and every listed one must still exist.
//!
//! Rules are compared only where both sides state one: a schema that says nothing about a
//! value is no evidence that AWS accepts everything. `Cidr` and `Arn` are shape checks and
//! not compared with AWS's per-service ARN patterns. A pattern is matched as AWS's
//! services apply it, to the whole value, unless it anchors itself (`^[^:]`: only the start).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use infra_resources::registry;
use infra_resources::schema::aws_contract::{self, Contract, Difference, Kind, Paths, TypeContract};
use infra_resources::schema::check::Check;
use infra_resources::schema::{Field, Ty};
use serde_json::Value;

/// A disagreement the comparison found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    type_name: String,
    property: String,
    kind: Kind,
    what: String,
}

/// Where an infra property lands in a CloudFormation schema.
#[derive(Debug, Clone)]
struct Loc {
    cfn: String,
    /// Property names from the schema's root, `["LoadBalancers", "ContainerPort"]`.
    path: Vec<String>,
    node: Value,
    /// Every step from the root (or from the parent's location) is required.
    required: bool,
}

struct Schemas {
    dir: PathBuf,
    loaded: BTreeMap<String, Value>,
}

impl Schemas {
    fn new() -> Self {
        Schemas { dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/aws-schemas"), loaded: BTreeMap::new() }
    }

    fn get(&mut self, cfn: &str) -> Result<&Value, String> {
        if !self.loaded.contains_key(cfn) {
            let file = self.dir.join(format!("{}.json", cfn.replace("::", "-")));
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("{cfn}: {} ({e}): run scripts/refresh-aws-schemas.sh", file.display()))?;
            let schema = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            self.loaded.insert(cfn.to_string(), schema);
        }
        Ok(&self.loaded[cfn])
    }
}

/// `node` with `$ref`s and array `items` followed down to the object or value it describes.
fn deref(schema: &Value, node: &Value) -> Value {
    let mut node = node.clone();
    for _ in 0..32 {
        if let Some(name) = node.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/")) {
            let mut target = schema["definitions"][name].clone();
            if let (Some(t), Some(n)) = (target.as_object_mut(), node.as_object()) {
                t.extend(n.iter().filter(|(k, _)| *k != "$ref").map(|(k, v)| (k.clone(), v.clone())));
            }
            node = target;
        } else if let Some(items) = node.get("items") {
            node = items.clone();
        } else {
            break;
        }
    }
    node
}

/// The properties an object node offers (alternatives of `anyOf`/`oneOf` included), each
/// with whether the node requires it.
fn properties(schema: &Value, node: &Value) -> BTreeMap<String, (Value, bool)> {
    let node = deref(schema, node);
    let required: BTreeSet<&str> = node["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let mut out: BTreeMap<String, (Value, bool)> = node["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), (v.clone(), required.contains(k.as_str()))))
        .collect();
    for key in ["anyOf", "oneOf", "allOf"] {
        for alt in node[key].as_array().into_iter().flatten() {
            for (k, (v, req)) in properties(schema, alt) {
                out.entry(k).or_insert((v, req && key == "allOf"));
            }
        }
    }
    out
}

fn created_only(schema: &Value, path: &[String]) -> bool {
    schema["createOnlyProperties"].as_array().into_iter().flatten().filter_map(Value::as_str).any(|p| {
        let segs: Vec<&str> = p.trim_start_matches("/properties/").split('/').filter(|s| *s != "*").collect();
        segs.len() <= path.len() && segs.iter().zip(path).all(|(a, b)| a == b)
    })
}

fn pascal(name: &str) -> String {
    name.split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect()
}

/// What one type's comparison found, and what its mapping got wrong.
struct Walk<'a> {
    type_name: &'a str,
    contract: &'a TypeContract,
    schemas: &'a mut Schemas,
    found: Vec<Found>,
    problems: Vec<String>,
    seen: BTreeSet<String>,
}

impl Walk<'_> {
    fn found(&mut self, property: &str, kind: Kind, what: String) {
        self.found.push(Found { type_name: self.type_name.into(), property: property.into(), kind, what });
    }

    /// `parent`: the parent property's location (`None` at the top, or below an `own`
    /// property); `replaced`: whether infra replaces the parent; `parent_differs`: whether
    /// the parent's replace disagreement (if any) is the one a child would inherit.
    fn fields(&mut self, fields: &[Field], prefix: &str, parent: Option<&Loc>, replaced: bool, parent_differs: bool) {
        for f in fields.iter().filter(|f| !f.computed && f.name != "tags") {
            let path = format!("{prefix}{}", f.name);
            let children = match &f.ty {
                Ty::Object(inner) => Some(inner),
                Ty::List(item) => match item.as_ref() {
                    Ty::Object(inner) => Some(inner),
                    _ => None,
                },
                _ => None,
            };
            // An immutable property is refused, not replaced: as CloudFormation refuses
            // the update of one that its schema does not call create-only.
            let replaced = replaced || (f.replace && !f.immutable);
            if self.contract.own.contains_key(&path) {
                self.seen.insert(path.clone());
                if let Some(inner) = children {
                    self.fields(inner, &format!("{path}."), None, replaced, false);
                }
                continue;
            }
            let Some(loc) = self.locate(&path, f.name, parent) else { continue };
            let schema = match self.schemas.get(&loc.cfn) {
                Ok(s) => s.clone(),
                Err(e) => {
                    self.problems.push(e);
                    continue;
                }
            };
            let create_only = created_only(&schema, &loc.path);
            let differs = replaced != create_only;
            if differs && !parent_differs {
                let what =
                    if replaced { "infra replaces; AWS updates in place" } else { "infra updates in place; AWS replaces (create-only)" };
                self.found(&path, Kind::Replace, format!("{what} ({} {})", loc.cfn, loc.path.join(".")));
            }
            self.required(&path, f, &loc);
            if let Some(check) = &f.check {
                self.rule(&path, check, &deref(&schema, &loc.node));
            }
            if let Some(inner) = children {
                self.fields(inner, &format!("{path}."), Some(&loc), replaced, differs);
            }
        }
    }

    /// The CloudFormation location of infra property `path`, or `None` (recorded as a
    /// mapping problem) when the mapping leads nowhere.
    fn locate(&mut self, path: &str, name: &str, parent: Option<&Loc>) -> Option<Loc> {
        let target = match self.contract.map.get(path) {
            Some(t) => {
                self.seen.insert(path.to_string());
                t.clone()
            }
            None => pascal(name),
        };
        let (mut loc, rel) = if let Some(mapped) = target.strip_prefix("AWS::") {
            let (cfn, rel) = mapped.split_once('.').unwrap_or((mapped, ""));
            (self.root(&format!("AWS::{cfn}"), path)?, rel.to_string())
        } else if let Some(parent) = parent {
            (Loc { required: true, ..parent.clone() }, target)
        } else if let Some(parent_path) = path.rsplit_once('.').map(|(p, _)| p) {
            self.problems.push(format!(
                "{}.{path}: its parent `{parent_path}` is infra's own: map it with a CloudFormation type (`AWS::...`) or list it in `own`",
                self.type_name
            ));
            return None;
        } else {
            (self.root(&self.contract.cfn.clone(), path)?, target)
        };
        let schema = self.schemas.get(&loc.cfn).ok()?.clone();
        for seg in rel.split('.').filter(|s| !s.is_empty()) {
            let props = properties(&schema, &loc.node);
            let Some((node, required)) = props.get(seg) else {
                let have: Vec<&str> = props.keys().map(String::as_str).collect();
                self.problems.push(format!(
                    "{}.{path}: {} has no `{}` here (it has: {}); map the property in `map` or list it in `own`",
                    self.type_name,
                    loc.cfn,
                    loc.path.iter().chain([&seg.to_string()]).cloned().collect::<Vec<_>>().join("."),
                    have.join(", ")
                ));
                return None;
            };
            loc.path.push(seg.to_string());
            loc.node = node.clone();
            loc.required &= required;
        }
        Some(loc)
    }

    /// The top of CloudFormation type `cfn`'s schema.
    fn root(&mut self, cfn: &str, path: &str) -> Option<Loc> {
        match self.schemas.get(cfn) {
            Ok(schema) => Some(Loc {
                node: serde_json::json!({ "properties": schema["properties"], "required": schema["required"] }),
                cfn: cfn.to_string(),
                path: Vec::new(),
                required: true,
            }),
            Err(e) => {
                self.problems.push(format!("{}.{path}: {e}", self.type_name));
                None
            }
        }
    }

    fn required(&mut self, path: &str, f: &Field, loc: &Loc) {
        let always_sent = f.required || f.default.is_some();
        if f.required && !loc.required {
            self.found(path, Kind::Required, format!("infra requires it; AWS's schema does not ({} {})", loc.cfn, loc.path.join(".")));
        } else if loc.required && !always_sent {
            self.found(
                path,
                Kind::Required,
                format!("AWS's schema requires it; infra may leave it out ({} {})", loc.cfn, loc.path.join(".")),
            );
        }
    }

    fn rule(&mut self, path: &str, check: &Check, aws: &Value) {
        match check {
            Check::OneOf(values) => self.one_of(path, values, aws),
            Check::OneOfInt(values) => {
                let allowed: Option<Vec<i64>> = aws["enum"].as_array().map(|e| e.iter().filter_map(Value::as_i64).collect());
                let (min, max) = (aws["minimum"].as_f64(), aws["maximum"].as_f64());
                let refused: Vec<String> = values
                    .iter()
                    .filter(|v| {
                        allowed.as_ref().is_some_and(|a| !a.contains(v))
                            || min.is_some_and(|m| (**v as f64) < m)
                            || max.is_some_and(|m| (**v as f64) > m)
                    })
                    .map(i64::to_string)
                    .collect();
                let missing: Vec<String> = allowed.iter().flatten().filter(|a| !values.contains(a)).map(i64::to_string).collect();
                self.sets(path, Kind::Enum, &refused, &missing);
            }
            Check::Range { min, max } => self.bounds(path, *min as f64, *max as f64, aws),
            Check::FloatRange { min, max } => self.bounds(path, *min, *max, aws),
            Check::Name { .. } | Check::MaxLen(_) => self.text(path, check, aws),
            Check::Cidr | Check::Arn => {}
        }
    }

    fn one_of(&mut self, path: &str, values: &[&str], aws: &Value) {
        if let Some(allowed) = aws["enum"].as_array() {
            let allowed: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
            let refused: Vec<String> = values.iter().filter(|v| !allowed.contains(v)).map(|v| v.to_string()).collect();
            let missing: Vec<String> = allowed.iter().filter(|a| !values.contains(a)).map(|a| a.to_string()).collect();
            self.sets(path, Kind::Enum, &refused, &missing);
        } else if let Some(pattern) = aws["pattern"].as_str() {
            let re = match AwsPattern::new(pattern) {
                Ok(re) => re,
                Err(e) => {
                    self.problems.push(format!("{}.{path}: {e}", self.type_name));
                    return;
                }
            };
            let refused: Vec<String> = values.iter().filter(|v| !re.accepts(v)).map(|v| v.to_string()).collect();
            let missing: Vec<String> = literal_alternatives(pattern).into_iter().filter(|a| !values.contains(&a.as_str())).collect();
            self.sets(path, Kind::Enum, &refused, &missing);
        }
    }

    /// Values infra accepts that AWS refuses, and values AWS lists that infra refuses.
    fn sets(&mut self, path: &str, kind: Kind, refused: &[String], missing: &[String]) {
        let mut what = Vec::new();
        if !refused.is_empty() {
            what.push(format!("infra accepts what AWS refuses: {}", quoted(refused)));
        }
        if !missing.is_empty() {
            what.push(format!("AWS accepts what infra refuses: {}", quoted(missing)));
        }
        if !what.is_empty() {
            self.found(path, kind, what.join("; "));
        }
    }

    fn bounds(&mut self, path: &str, min: f64, max: f64, aws: &Value) {
        let mut what = Vec::new();
        if let Some(aws_min) = aws["minimum"].as_f64() {
            if min < aws_min {
                what.push(format!("infra accepts down to {min}, AWS from {aws_min}"));
            } else if min > aws_min {
                what.push(format!("infra refuses below {min}, AWS accepts from {aws_min}"));
            }
        }
        if let Some(aws_max) = aws["maximum"].as_f64() {
            if max > aws_max {
                what.push(format!("infra accepts up to {max}, AWS to {aws_max}"));
            } else if max < aws_max {
                what.push(format!("infra refuses above {max}, AWS accepts up to {aws_max}"));
            }
        }
        if let Some(allowed) = aws["enum"].as_array() {
            what.push(format!("AWS accepts only {}", allowed.iter().map(Value::to_string).collect::<Vec<_>>().join(", ")));
        }
        if !what.is_empty() {
            self.found(path, Kind::Bounds, what.join("; "));
        }
    }

    /// A name or length rule against AWS's pattern and lengths, by trying values: one both
    /// accept, that value with each probe character put first, inside and last, and at
    /// lengths around both sides' bounds.
    fn text(&mut self, path: &str, check: &Check, aws: &Value) {
        let (aws_min, aws_max) = (aws["minLength"].as_u64().map(|n| n as usize), aws["maxLength"].as_u64().map(|n| n as usize));
        let pattern = match aws["pattern"].as_str().map(AwsPattern::new).transpose() {
            Ok(p) => p,
            Err(e) => {
                self.problems.push(format!("{}.{path}: {e}", self.type_name));
                return;
            }
        };
        if pattern.is_none() && aws_min.is_none() && aws_max.is_none() {
            return;
        }
        let aws_accepts = |s: &str| {
            let n = s.chars().count();
            aws_min.is_none_or(|m| n >= m)
                && aws_max.is_none_or(|m| n <= m)
                && pattern.as_ref().is_none_or(|p| p.accepts(s) && p.min_len.is_none_or(|m| n >= m) && p.max_len.is_none_or(|m| n <= m))
        };
        let infra_accepts = |s: &str| check.run(&Value::String(s.to_string())).is_ok();
        let Some(base) = BASES.iter().map(|b| b.to_string()).find(|b| aws_accepts(b) && infra_accepts(b)) else {
            self.found(path, Kind::Pattern, format!("no probe value both accept (tried {})", quoted(&BASES.map(String::from))));
            return;
        };
        let (infra_min, infra_max) = match check {
            Check::Name { min, max, .. } => (*min, *max),
            Check::MaxLen(max) => (0, *max),
            _ => (0, 0),
        };
        let mut lengths: BTreeSet<usize> = BTreeSet::new();
        for n in [
            Some(infra_min),
            Some(infra_max),
            aws_min,
            aws_max,
            pattern.as_ref().and_then(|p| p.min_len),
            pattern.as_ref().and_then(|p| p.max_len),
        ]
        .into_iter()
        .flatten()
        {
            lengths.extend([n.saturating_sub(1), n, n + 1]);
        }
        let (mut wider, mut narrower) = (Vec::new(), Vec::new());
        for n in lengths.into_iter().filter(|n| *n <= 5000) {
            let s = resized(&base, n);
            match (infra_accepts(&s), aws_accepts(&s)) {
                (true, false) => wider.push(n.to_string()),
                (false, true) => narrower.push(n.to_string()),
                _ => {}
            }
        }
        let mut what = Vec::new();
        if !wider.is_empty() {
            what.push(format!("infra accepts lengths AWS refuses: {}", wider.join(", ")));
        }
        if !narrower.is_empty() {
            what.push(format!("AWS accepts lengths infra refuses: {}", narrower.join(", ")));
        }
        if !what.is_empty() {
            self.found(path, Kind::Length, format!("{} (probing `{base}`)", what.join("; ")));
        }

        let mut wider: BTreeMap<char, Vec<&str>> = BTreeMap::new();
        let mut narrower: BTreeMap<char, Vec<&str>> = BTreeMap::new();
        let chars: Vec<char> = base.chars().collect();
        for c in PROBE_CHARS.chars() {
            let first: String = std::iter::once(c).chain(chars[1..].iter().copied()).collect();
            let inside: String = chars[..1].iter().copied().chain(std::iter::once(c)).chain(chars[1..].iter().copied()).collect();
            let last: String = chars[..chars.len() - 1].iter().copied().chain(std::iter::once(c)).collect();
            for (at, s) in [("first", first), ("inside", inside), ("last", last)] {
                match (infra_accepts(&s), aws_accepts(&s)) {
                    (true, false) => wider.entry(c).or_default().push(at),
                    (false, true) => narrower.entry(c).or_default().push(at),
                    _ => {}
                }
            }
        }
        let mut what = Vec::new();
        if !wider.is_empty() {
            what.push(format!("infra accepts what AWS refuses: {}", places(&wider)));
        }
        if !narrower.is_empty() {
            what.push(format!("AWS accepts what infra refuses: {}", places(&narrower)));
        }
        if !what.is_empty() {
            self.found(path, Kind::Pattern, format!("{} (probing `{base}`)", what.join("; ")));
        }
    }
}

/// Values tried until one is accepted by both sides; the probes are variations of it.
const BASES: [&str; 7] = ["abc", "Abc", "abc1", "alias/abc", "a", "ab", "ABC"];

/// Printable ASCII, whitespace and a few letters and symbols beyond ASCII.
const PROBE_CHARS: &str =
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\t\né中😀\u{a0}";

/// `base` cut or padded (with its last character) to `n` characters.
fn resized(base: &str, n: usize) -> String {
    let chars: Vec<char> = base.chars().collect();
    if n <= chars.len() {
        chars[..n].iter().collect()
    } else {
        let last = chars.last().copied().unwrap_or('a');
        chars.iter().copied().chain(std::iter::repeat_n(last, n - chars.len())).collect()
    }
}

/// `'-' (first, last), '1' (first)`, at most a dozen characters.
fn places(by_char: &BTreeMap<char, Vec<&str>>) -> String {
    let mut items: Vec<String> = by_char.iter().take(12).map(|(c, at)| format!("{c:?} ({})", at.join(", "))).collect();
    if by_char.len() > 12 {
        items.push(format!("and {} more", by_char.len() - 12));
    }
    items.join(", ")
}

fn quoted(values: &[String]) -> String {
    values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
}

/// The literal alternatives of a pattern such as `^(s3|lambda|mediastore)$`; none when an
/// alternative is not a plain word (`HTTPS?`).
fn literal_alternatives(pattern: &str) -> Vec<String> {
    let inner = pattern.trim_start_matches('^').trim_end_matches('$');
    let inner = inner.strip_prefix('(').and_then(|i| i.strip_suffix(')')).unwrap_or(inner);
    inner
        .split('|')
        .filter_map(|alt| {
            let unescaped = alt.replace('\\', "");
            let plain = !alt.contains(['?', '*', '+', '[', '(', '.']) && !unescaped.is_empty();
            plain.then_some(unescaped)
        })
        .collect()
}

/// One of AWS's patterns (ECMA-262, as JSON Schema writes them) as a Rust regex, with the
/// length a leading `(?=.{m,n}$)` demands kept apart (the regex crate has no lookaround).
struct AwsPattern {
    re: regex::Regex,
    min_len: Option<usize>,
    max_len: Option<usize>,
}

impl AwsPattern {
    fn new(pattern: &str) -> Result<Self, String> {
        let (mut min_len, mut max_len) = (None, None);
        let mut rest = pattern;
        if let Some(after) = pattern.strip_prefix("^(?=.{") {
            if let Some((bounds, tail)) = after.split_once("}$)") {
                let (lo, hi) = bounds.split_once(',').unwrap_or((bounds, bounds));
                min_len = lo.parse().ok();
                max_len = hi.parse().ok();
                rest = tail;
                if !rest.starts_with('^') {
                    return Self::build(&format!("^{rest}"), min_len, max_len);
                }
            }
        }
        Self::build(rest, min_len, max_len)
    }

    fn build(pattern: &str, min_len: Option<usize>, max_len: Option<usize>) -> Result<Self, String> {
        let translated = translate(pattern)?;
        // Anchored patterns say themselves how much they constrain; AWS's services apply
        // the others to the whole value.
        let anchored = pattern.starts_with('^') || pattern.ends_with('$') || pattern.ends_with("\\Z");
        let full = if anchored { translated } else { format!("^(?:{translated})$") };
        let re = regex::Regex::new(&full).map_err(|e| format!("pattern `{pattern}` (as `{full}`): {e}"))?;
        Ok(AwsPattern { re, min_len, max_len })
    }

    fn accepts(&self, s: &str) -> bool {
        self.re.is_match(s)
    }
}

/// An ECMA pattern in the regex crate's syntax: `\uXXXX`, ASCII-only `\d` and `\w`, `\Z`,
/// and character classes re-emitted atom by atom (the regex crate reads `[` and `&&` in a
/// class as nesting and set operations).
fn translate(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let unsupported = |what: &str| Err(format!("pattern `{pattern}`: {what} is not supported"));
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let (atom, next) = escape(&chars, i)?;
                out.push_str(&match atom {
                    Atom::Char(c) => hex(c),
                    Atom::Class(class) => format!("[{class}]"),
                    Atom::Raw(raw) => raw,
                });
                i = next;
            }
            '[' => {
                let (class, next) = class(&chars, i)?;
                out.push_str(&class);
                i = next;
            }
            '(' if chars.get(i + 1) == Some(&'?') && matches!(chars.get(i + 2), Some('=' | '!' | '<')) => {
                return unsupported("lookaround");
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

enum Atom {
    Char(char),
    /// The inside of a class (`0-9`).
    Class(String),
    /// Passed on as written (`\p{L}`, `\s`, `\z`).
    Raw(String),
}

fn hex(c: char) -> String {
    if c.is_ascii_alphanumeric() {
        c.to_string()
    } else {
        format!("\\x{{{:X}}}", c as u32)
    }
}

/// The escape at `chars[i]` (a backslash) and the index after it.
fn escape(chars: &[char], i: usize) -> Result<(Atom, usize), String> {
    let c = *chars.get(i + 1).ok_or("a pattern ends in `\\`")?;
    let code = |from: usize, len: usize| -> Result<char, String> {
        let digits: String = chars.get(from..from + len).ok_or("a short escape")?.iter().collect();
        let n = u32::from_str_radix(&digits, 16).map_err(|e| format!("escape `{digits}`: {e}"))?;
        char::from_u32(n).ok_or_else(|| format!("escape `{digits}` is a surrogate, not supported"))
    };
    Ok(match c {
        'u' => (Atom::Char(code(i + 2, 4)?), i + 6),
        'x' => (Atom::Char(code(i + 2, 2)?), i + 4),
        'd' => (Atom::Class("0-9".into()), i + 2),
        'w' => (Atom::Class("A-Za-z0-9_".into()), i + 2),
        'Z' => (Atom::Raw("\\z".into()), i + 2),
        'n' => (Atom::Char('\n'), i + 2),
        't' => (Atom::Char('\t'), i + 2),
        'r' => (Atom::Char('\r'), i + 2),
        'p' | 'P' => {
            let end = chars[i..].iter().position(|c| *c == '}').ok_or("an unterminated `\\p{`")? + i;
            (Atom::Raw(chars[i..=end].iter().collect()), end + 1)
        }
        's' | 'S' | 'D' | 'W' | 'b' | 'B' => (Atom::Raw(format!("\\{c}")), i + 2),
        c if c.is_ascii_alphanumeric() => return Err(format!("escape `\\{c}` is not supported")),
        c => (Atom::Char(c), i + 2),
    })
}

/// The class starting at `chars[i]` (`[`), in the regex crate's syntax, and the index
/// after its `]`.
fn class(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let mut i = start + 1;
    let mut out = String::from("[");
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let c = *chars.get(i).ok_or("an unterminated character class")?;
        if c == ']' && !first {
            out.push(']');
            return Ok((out, i + 1));
        }
        first = false;
        let (atom, next) = if c == '\\' { escape(chars, i)? } else { (Atom::Char(c), i + 1) };
        i = next;
        // A range: a single character, `-`, a single character other than the closing `]`.
        if let Atom::Char(lo) = atom {
            if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|c| *c != ']') {
                let (hi, next) = if chars[i + 1] == '\\' { escape(chars, i + 1)? } else { (Atom::Char(chars[i + 1]), i + 2) };
                if let Atom::Char(hi) = hi {
                    out.push_str(&format!("{}-{}", hex(lo), hex(hi)));
                    i = next;
                    continue;
                }
            }
        }
        out.push_str(&match atom {
            Atom::Char(c) => hex(c),
            Atom::Class(class) => class,
            Atom::Raw(raw) => raw,
        });
    }
}

/// Compares every type and returns the report of what does not hold, empty when the
/// contract is true.
fn report(contract: &Contract) -> String {
    let mut schemas = Schemas::new();
    let (mut found, mut problems) = (Vec::new(), Vec::new());
    let types: BTreeSet<&str> = registry::resource_types().collect();
    for name in contract.types.keys().chain(contract.none.keys()) {
        if !types.contains(name.as_str()) {
            problems.push(format!("{name}: listed in aws_contract.toml but not a registered type"));
        }
    }
    for r in registry::resources() {
        let name = r.type_name();
        let Some(tc) = contract.types.get(name) else {
            if !contract.none.contains_key(name) {
                problems
                    .push(format!("{name}: not in aws_contract.toml: name its CloudFormation type, or say in `[none]` why it has none"));
            }
            continue;
        };
        let mut walk =
            Walk { type_name: name, contract: tc, schemas: &mut schemas, found: Vec::new(), problems: Vec::new(), seen: BTreeSet::new() };
        walk.fields(r.schema().fields(), "", None, false, false);
        let paths = property_paths(r.schema().fields(), "");
        for key in tc.map.keys().chain(tc.own.keys()) {
            if !walk.seen.contains(key) {
                let why =
                    if paths.contains(key) { "is never reached (its parent is infra's own or unmapped)" } else { "is not a property" };
                walk.problems.push(format!("{name}.{key}: in aws_contract.toml's map/own, but {why}"));
            }
        }
        for property in tc.differs.iter().flat_map(|d| d.property.iter()) {
            if !paths.contains(property) {
                walk.problems.push(format!("{name}.{property}: a listed difference of a property that does not exist"));
            }
        }
        found.extend(walk.found);
        problems.extend(walk.problems);
    }

    let listed: BTreeSet<(String, String, Kind)> = contract
        .types
        .iter()
        .flat_map(|(t, tc)| tc.differs.iter().flat_map(move |d| d.property.iter().map(move |p| (t.clone(), p.to_string(), d.kind))))
        .collect();
    let actual: BTreeSet<(String, String, Kind)> = found.iter().map(|f| (f.type_name.clone(), f.property.clone(), f.kind)).collect();
    let unexplained: Vec<&Found> = found.iter().filter(|f| !listed.contains(&(f.type_name.clone(), f.property.clone(), f.kind))).collect();
    let stale: Vec<&(String, String, Kind)> = listed.difference(&actual).collect();

    let mut out = String::new();
    if !problems.is_empty() {
        out.push_str(&format!("\naws_contract.toml does not map these ({}):\n", problems.len()));
        for p in &problems {
            out.push_str(&format!("  {p}\n"));
        }
    }
    if !unexplained.is_empty() {
        out.push_str(&format!(
            "\nDisagreements with AWS's CloudFormation schemas that aws_contract.toml does not explain ({}):\n",
            unexplained.len()
        ));
        out.push_str(&table(unexplained.iter().map(|f| [f.type_name.as_str(), f.property.as_str(), f.kind.name(), f.what.as_str()])));
        out.push_str(
            "Fix the type (its `replace` flag or `check(...)` rule), or add a `[[types.\"TYPE\".differs]]` entry with the reason.\n",
        );
    }
    if !stale.is_empty() {
        out.push_str(&format!("\nListed in aws_contract.toml but no longer true, remove them ({}):\n", stale.len()));
        out.push_str(&table(stale.iter().map(|(t, p, k)| [t.as_str(), p.as_str(), k.name(), ""])));
    }
    out
}

/// Every dotted property path of a schema (list items included, without markers).
fn property_paths(fields: &[Field], prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in fields {
        let path = format!("{prefix}{}", f.name);
        match &f.ty {
            Ty::Object(inner) => out.extend(property_paths(inner, &format!("{path}."))),
            Ty::List(item) => {
                if let Ty::Object(inner) = item.as_ref() {
                    out.extend(property_paths(inner, &format!("{path}.")));
                }
            }
            _ => {}
        }
        out.insert(path);
    }
    out
}

fn table<'a>(rows: impl Iterator<Item = [&'a str; 4]>) -> String {
    let rows: Vec<[&str; 4]> = rows.collect();
    let header = ["type", "property", "kind", "what"];
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).chain([header[i].len()]).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2)];
    let line =
        |r: [&str; 4]| format!("  {:w0$}  {:w1$}  {:w2$}  {}\n", r[0], r[1], r[2], r[3], w0 = widths[0], w1 = widths[1], w2 = widths[2]);
    let mut out = line(header);
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

fn contract() -> Contract {
    aws_contract::parse(aws_contract::SOURCE).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn infra_agrees_with_aws_cloudformation_schemas_or_says_why() {
    let report = report(&contract());
    assert!(report.is_empty(), "{report}");
}

#[test]
fn unexplained_and_stale_differences_are_both_reported() {
    let mut contract = contract();
    let queue = contract.types.get_mut("sqs.queue").unwrap();
    queue.differs.push(Difference { property: Paths::One("delay_seconds".into()), kind: Kind::Bounds, reason: "none".into() });
    let table = contract.types.get_mut("dynamodb.table").unwrap();
    table.differs.retain(|d| d.kind != Kind::Replace);
    let report = report(&contract);
    let stale = report.split("no longer true").nth(1).unwrap_or_else(|| panic!("{report}"));
    assert!(stale.contains("sqs.queue") && stale.contains("delay_seconds"), "{report}");
    let unexplained = report.split("does not explain").nth(1).unwrap_or_else(|| panic!("{report}"));
    assert!(unexplained.contains("hash_key") && unexplained.contains("infra replaces; AWS updates in place"), "{report}");
}

#[test]
fn the_contract_the_reference_reads_is_this_file() {
    let contract = aws_contract::contract();
    assert!(contract.types.contains_key("sqs.queue") && contract.none.contains_key("random.id"));
    let listed = contract.types.values().flat_map(|t| &t.differs).count();
    assert!(listed > 0);
}

#[test]
fn ecma_patterns_read_as_aws_applies_them() {
    let p = |s: &str| AwsPattern::new(s).unwrap_or_else(|e| panic!("{e}"));
    assert!(p("^[a-zA-Z]{1}(?:-?[a-zA-Z0-9]){0,62}$").accepts("db-1") && !p("^[a-zA-Z]{1}(?:-?[a-zA-Z0-9]){0,62}$").accepts("db-"));
    // Unanchored: the whole value.
    assert!(!p("[A-Za-z0-9][A-Za-z0-9-_]{3,39}").accepts("ab cd"));
    // Anchored at the start only: a prefix rule.
    assert!(p("^[^:]").accepts("AWS/Lambda") && !p("^[^:]").accepts(":x"));
    // `[` and `-` inside a class, `\u` escapes, ASCII `\d`.
    assert!(p("^([a-z,A-Z,0-9,. _\\-:/()#,@[\\]+=&;\\{\\}!$*])*$").accepts("web [prod] {a}"));
    assert!(p("^[\\u0009\\u000A\\u000D\\u0020-\\u007E]*$").accepts("tab\there") && !p("^[\\u0020-\\u007E]*$").accepts("é"));
    assert!(!p("^\\d+$").accepts("١٢"));
    let ecr = p("^(?=.{2,256}$)([a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)$");
    assert_eq!((ecr.min_len, ecr.max_len), (Some(2), Some(256)));
    assert!(ecr.accepts("a__b") && !ecr.accepts("a_"));
    assert_eq!(literal_alternatives("^(s3|mediastore|lambda)$"), ["s3", "mediastore", "lambda"]);
    assert_eq!(literal_alternatives("^(HTTPS?|#\\{protocol\\})$"), ["#{protocol}"]);
}
