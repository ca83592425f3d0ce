//! `${...}` templates in manifest strings: parsing into literal text and typed
//! references (`var.*`, `local.*`, `resources.*.*`, `data.*.*`, `module.*.*`, `aws.*`,
//! `env`).

use std::fmt;

/// What a `${...}` points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reference {
    /// `${var.NAME}`: a module variable.
    Var(String),
    /// `${local.NAME}`: a named value of the module, which may itself use references.
    Local(String),
    /// `${resources.NAME.ATTR}`: an attribute of a resource in the same module.
    Resource { name: String, attr: String },
    /// `${data.NAME.ATTR}`: an attribute of a data lookup in the same module.
    Data { name: String, attr: String },
    /// `${module.MODULE.OUTPUT}`: an output of another module.
    Module { module: String, output: String },
    /// `${aws.account_id}`, `${aws.region}`, `${aws.partition}`.
    Aws(String),
    /// `${env}`: the environment's name (`dev`, `prod`), for names that must differ
    /// between environments sharing an account.
    Env,
}

pub const AWS_BUILTINS: &[&str] = &["account_id", "region", "partition"];

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Var(n) => write!(f, "${{var.{n}}}"),
            Reference::Local(n) => write!(f, "${{local.{n}}}"),
            Reference::Resource { name, attr } => write!(f, "${{resources.{name}.{attr}}}"),
            Reference::Data { name, attr } => write!(f, "${{data.{name}.{attr}}}"),
            Reference::Module { module, output } => write!(f, "${{module.{module}.{output}}}"),
            Reference::Aws(n) => write!(f, "${{aws.{n}}}"),
            Reference::Env => write!(f, "${{env}}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    Ref(Reference),
}

/// A string split into literal text and references.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub parts: Vec<Part>,
}

impl Template {
    /// The single reference if the whole string is exactly one `${...}`; such a value
    /// keeps the referenced type (a number stays a number, a list stays a list).
    pub fn whole_reference(&self) -> Option<&Reference> {
        match self.parts.as_slice() {
            [Part::Ref(r)] => Some(r),
            _ => None,
        }
    }

    pub fn references(&self) -> impl Iterator<Item = &Reference> {
        self.parts.iter().filter_map(|p| match p {
            Part::Ref(r) => Some(r),
            Part::Lit(_) => None,
        })
    }

    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Lit(_)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    #[error("unterminated `${{` in `{0}`")]
    Unterminated(String),
    #[error("empty reference `${{}}`")]
    Empty,
    #[error("unknown reference namespace `{ns}` in `{text}` (expected var, local, resources, data, module, aws or env)")]
    Namespace { ns: String, text: String },
    #[error("malformed reference `{text}`: expected {expected}")]
    Shape { text: String, expected: &'static str },
    #[error("invalid character in reference `{0}`")]
    Character(String),
}

/// Parse a manifest string. `$${` is an escaped literal `${`.
pub fn parse(input: &str) -> Result<Template, ExprError> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = input;
    while let Some(pos) = rest.find('$') {
        lit.push_str(&rest[..pos]);
        let after = &rest[pos..];
        if let Some(escaped) = after.strip_prefix("$${") {
            lit.push_str("${");
            rest = escaped;
        } else if let Some(body_start) = after.strip_prefix("${") {
            let end = body_start.find('}').ok_or_else(|| ExprError::Unterminated(input.to_string()))?;
            let body = &body_start[..end];
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut lit)));
            }
            parts.push(Part::Ref(parse_reference(body)?));
            rest = &body_start[end + 1..];
        } else {
            lit.push('$');
            rest = &after[1..];
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() || parts.is_empty() {
        parts.push(Part::Lit(lit));
    }
    Ok(Template { parts })
}

fn parse_reference(body: &str) -> Result<Reference, ExprError> {
    let text = format!("${{{body}}}");
    let body = body.trim();
    if body.is_empty() {
        return Err(ExprError::Empty);
    }
    // One instance of a `for_each` resource: `resources.NAME["KEY"].ATTR`.
    if let Some((name, rest)) = body.strip_prefix("resources.").and_then(|r| r.split_once("[\"")) {
        let shape = || ExprError::Shape { text: text.clone(), expected: "`${resources.NAME[\"KEY\"].ATTRIBUTE}`" };
        let (key, attr) = rest.split_once("\"].").ok_or_else(shape)?;
        let plain = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !plain(name) || !plain(attr) || key.is_empty() || key.contains('"') {
            return Err(shape());
        }
        return Ok(Reference::Resource { name: crate::manifest::each::instance(name, key), attr: attr.to_string() });
    }
    let segments: Vec<&str> = body.split('.').collect();
    for seg in &segments {
        if seg.is_empty() || !seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(ExprError::Character(text));
        }
    }
    let owned = |s: &str| s.to_string();
    match segments.as_slice() {
        ["var", name] => Ok(Reference::Var(owned(name))),
        ["var", ..] => Err(ExprError::Shape { text, expected: "`${var.NAME}`" }),
        ["local", name] => Ok(Reference::Local(owned(name))),
        ["local", ..] => Err(ExprError::Shape { text, expected: "`${local.NAME}`" }),
        ["resources", name, attr] => Ok(Reference::Resource { name: owned(name), attr: owned(attr) }),
        ["resources", ..] => Err(ExprError::Shape { text, expected: "`${resources.NAME.ATTRIBUTE}`" }),
        ["data", name, attr] => Ok(Reference::Data { name: owned(name), attr: owned(attr) }),
        ["data", ..] => Err(ExprError::Shape { text, expected: "`${data.NAME.ATTRIBUTE}`" }),
        ["module", module, output] => Ok(Reference::Module { module: owned(module), output: owned(output) }),
        ["module", ..] => Err(ExprError::Shape { text, expected: "`${module.MODULE.OUTPUT}`" }),
        ["aws", name] => Ok(Reference::Aws(owned(name))),
        ["aws", ..] => Err(ExprError::Shape { text, expected: "`${aws.account_id}` or `${aws.region}`" }),
        ["env"] => Ok(Reference::Env),
        ["env", ..] => Err(ExprError::Shape { text, expected: "`${env}`" }),
        [ns, ..] => Err(ExprError::Namespace { ns: owned(ns), text }),
        [] => Err(ExprError::Empty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_only() {
        let t = parse("plain text").unwrap();
        assert!(t.is_literal());
        assert_eq!(t.parts, vec![Part::Lit("plain text".into())]);
    }

    #[test]
    fn interpolation_and_whole_reference() {
        let t = parse("alex-vectors-${aws.account_id}").unwrap();
        assert_eq!(t.parts.len(), 2);
        assert!(t.whole_reference().is_none());
        let t = parse("${module.5_database.aurora_secret_arn}").unwrap();
        assert_eq!(t.whole_reference(), Some(&Reference::Module { module: "5_database".into(), output: "aurora_secret_arn".into() }));
    }

    #[test]
    fn escape_and_lone_dollar() {
        let t = parse("cost $5 and $${literal}").unwrap();
        assert_eq!(t.parts, vec![Part::Lit("cost $5 and ${literal}".into())]);
    }

    #[test]
    fn errors() {
        assert_eq!(parse("${var.x").unwrap_err(), ExprError::Unterminated("${var.x".into()));
        assert_eq!(parse("${}").unwrap_err(), ExprError::Empty);
        assert!(matches!(parse("${foo.bar}").unwrap_err(), ExprError::Namespace { .. }));
        assert!(matches!(parse("${resources.x}").unwrap_err(), ExprError::Shape { .. }));
        assert!(matches!(parse("${var.a b}").unwrap_err(), ExprError::Character(_)));
        assert!(matches!(parse("${var..x}").unwrap_err(), ExprError::Character(_)));
    }

    #[test]
    fn instance_references() {
        let t = parse("${resources.private_subnet[\"us-east-1a\"].id}").unwrap();
        assert_eq!(t.whole_reference(), Some(&Reference::Resource { name: "private_subnet[\"us-east-1a\"]".into(), attr: "id".into() }));
        assert!(parse("${resources.private_subnet[\"a\"]}").is_err());
    }

    #[test]
    fn display_round_trips() {
        for s in ["${var.a}", "${local.l}", "${resources.r.arn}", "${data.vpc.id}", "${module.m.o}", "${aws.region}", "${env}"] {
            let t = parse(s).unwrap();
            assert_eq!(t.whole_reference().unwrap().to_string(), s);
        }
    }
}
