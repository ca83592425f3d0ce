//! Manifest source text: byte spans to `file:line:col`, diagnostics that quote the
//! text at fault, and the spanned value tree ([`Node`]) the loader walks.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// One file as read from disk, with a line index for error positions.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the project root when possible).
    pub display: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(display: impl Into<PathBuf>, text: String) -> Arc<Self> {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Arc::new(SourceFile { display: display.into(), text, line_starts })
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let col = self.text[start..offset].chars().count() + 1;
        (line, col)
    }

    fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line - 1];
        let end = self.line_starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// A place in a manifest: a file and a byte range in it.
#[derive(Debug, Clone)]
pub struct Loc {
    pub file: Arc<SourceFile>,
    pub span: Range<usize>,
}

impl Loc {
    pub fn new(file: &Arc<SourceFile>, span: Range<usize>) -> Self {
        Loc { file: Arc::clone(file), span }
    }

    pub fn line(&self) -> usize {
        self.file.line_col(self.span.start).0
    }

    /// The source text covered by this location (first line only).
    pub fn text(&self) -> &str {
        let end = self.span.end.min(self.file.text.len());
        let start = self.span.start.min(end);
        self.file.text[start..end].lines().next().unwrap_or("")
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (line, col) = self.file.line_col(self.span.start);
        write!(f, "{}:{}:{}", self.file.display.display(), line, col)
    }
}

/// One problem found in a manifest, rendered with the offending line underlined.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub loc: Option<Loc>,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn at(loc: Loc, message: impl Into<String>) -> Self {
        Diagnostic { loc: Some(loc), message: message.into(), help: None }
    }

    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Diagnostic { loc: None, message: format!("{}: {}", path.display(), message.into()), help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(loc) = &self.loc else {
            write!(f, "{}", self.message)?;
            if let Some(help) = &self.help {
                write!(f, "\n  help: {help}")?;
            }
            return Ok(());
        };
        let (line, col) = loc.file.line_col(loc.span.start);
        writeln!(f, "{loc}: {}", self.message)?;
        let text = loc.file.line_text(line);
        let gutter = line.to_string().len();
        writeln!(f, "{:>gutter$} | {}", line, text)?;
        let width = loc.text().chars().count().max(1).min(text.chars().count().saturating_sub(col - 1).max(1));
        write!(f, "{:>gutter$} | {}{}", "", " ".repeat(col - 1), "^".repeat(width))?;
        if let Some(help) = &self.help {
            write!(f, "\n{:>gutter$} = help: {help}", "")?;
        }
        Ok(())
    }
}

/// A table key with its position.
#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub span: Range<usize>,
}

/// A TOML value with its byte span, owned and free of the parser's lifetimes.
#[derive(Debug, Clone)]
pub struct Node {
    pub span: Range<usize>,
    pub kind: NodeKind,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<Node>),
    Table(Vec<(Key, Node)>),
}

impl Node {
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Str(_) => "string",
            NodeKind::Int(_) => "integer",
            NodeKind::Float(_) => "float",
            NodeKind::Bool(_) => "boolean",
            NodeKind::Array(_) => "array",
            NodeKind::Table(_) => "table",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_table(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            NodeKind::Table(t) => Some(t),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_table()?.iter().find(|(k, _)| k.name == key).map(|(_, v)| v)
    }

    /// Plain JSON of this value (strings keep their `${...}` text).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Str(s) => Value::String(s.clone()),
            NodeKind::Int(i) => Value::from(*i),
            NodeKind::Float(x) => serde_json::Number::from_f64(*x).map(Value::Number).unwrap_or(Value::Null),
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Array(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Table(entries) => Value::Object(entries.iter().map(|(k, v)| (k.name.clone(), v.to_json())).collect()),
        }
    }
}

/// Parse a whole manifest into a spanned table, or the diagnostics that stop it.
pub fn parse(file: &Arc<SourceFile>) -> Result<Node, Vec<Diagnostic>> {
    match DeTable::parse(&file.text) {
        Ok(table) => {
            let mut errors = Vec::new();
            let span = table.span();
            let node = convert_table(file, table.into_inner(), span, &mut errors);
            if errors.is_empty() {
                Ok(node)
            } else {
                Err(errors)
            }
        }
        Err(err) => {
            let span = err.span().unwrap_or(0..0);
            let message = err.message().trim_end().to_string();
            Err(vec![Diagnostic::at(Loc::new(file, span), format!("invalid TOML: {message}"))])
        }
    }
}

fn convert_table(file: &Arc<SourceFile>, table: DeTable<'_>, span: Range<usize>, errors: &mut Vec<Diagnostic>) -> Node {
    let entries = table
        .into_iter()
        .map(|(key, value)| {
            let key = Key { name: key.get_ref().to_string(), span: key.span() };
            (key, convert(file, value, errors))
        })
        .collect();
    Node { span, kind: NodeKind::Table(entries) }
}

fn convert(file: &Arc<SourceFile>, value: Spanned<DeValue<'_>>, errors: &mut Vec<Diagnostic>) -> Node {
    let span = value.span();
    let kind = match value.into_inner() {
        DeValue::String(s) => NodeKind::Str(s.into_owned()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => NodeKind::Int(n),
            Err(_) => {
                errors.push(Diagnostic::at(Loc::new(file, span.clone()), "integer does not fit in 64 bits"));
                NodeKind::Int(0)
            }
        },
        DeValue::Float(x) => match x.as_str().replace('_', "").parse::<f64>() {
            Ok(n) if n.is_finite() => NodeKind::Float(n),
            _ => {
                errors.push(Diagnostic::at(Loc::new(file, span.clone()), "only finite numbers are allowed"));
                NodeKind::Float(0.0)
            }
        },
        DeValue::Boolean(b) => NodeKind::Bool(b),
        DeValue::Datetime(_) => {
            errors.push(
                Diagnostic::at(Loc::new(file, span.clone()), "dates and times are not supported")
                    .with_help("write the value as a quoted string"),
            );
            NodeKind::Str(String::new())
        }
        DeValue::Array(items) => NodeKind::Array(items.into_iter().map(|v| convert(file, v, errors)).collect()),
        DeValue::Table(table) => return convert_table(file, table, span, errors),
    };
    Node { span, kind }
}

/// `did you mean` help for a misspelt key.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let f = SourceFile::new("m.toml", "a = 1\nbb = \"x\"\n".into());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(6), (2, 1));
        assert_eq!(f.line_col(11), (2, 6));
    }

    #[test]
    fn parse_error_names_line() {
        let f = SourceFile::new("m.toml", "a = 1\nb = = 2\n".into());
        let errs = parse(&f).unwrap_err();
        assert!(errs[0].to_string().starts_with("m.toml:2:"), "{}", errs[0]);
    }

    #[test]
    fn diagnostic_underlines_text() {
        let f = SourceFile::new("m.toml", "[resources.x]\ntype = \"nope\"\n".into());
        let d = Diagnostic::at(Loc::new(&f, 21..27), "unknown resource type `nope`");
        let s = d.to_string();
        assert!(s.contains("m.toml:2:8: unknown resource type"), "{s}");
        assert!(s.contains("^^^^^^"), "{s}");
    }
}
