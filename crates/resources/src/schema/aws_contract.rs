//! The reviewed contract between infra's types and AWS's CloudFormation resource schemas
//! (`aws_contract.toml`): each type's CloudFormation counterpart, how its properties map,
//! and every disagreement that stays, with the reason. The unit test `aws_contract` holds
//! it against the schemas in tests/aws-schemas/; the generated reference shows the reasons.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// Types with no CloudFormation counterpart, and why.
    #[serde(default)]
    pub none: BTreeMap<String, String>,
    pub types: BTreeMap<String, TypeContract>,
}

/// One infra type against its CloudFormation type.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeContract {
    /// `AWS::SQS::Queue`.
    pub cfn: String,
    /// Dotted infra property path to CloudFormation property path, where not the PascalCase
    /// of the name; relative to the parent's, unless it starts with a CloudFormation type.
    #[serde(default)]
    pub map: BTreeMap<String, String>,
    /// Infra properties with no CloudFormation counterpart, and why.
    #[serde(default)]
    pub own: BTreeMap<String, String>,
    #[serde(default)]
    pub differs: Vec<Difference>,
}

/// What a disagreement is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Replaced by infra and updated in place by AWS, or the other way round.
    Replace,
    Required,
    Enum,
    Pattern,
    Length,
    Bounds,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Replace => "replace",
            Kind::Required => "required",
            Kind::Enum => "enum",
            Kind::Pattern => "pattern",
            Kind::Length => "length",
            Kind::Bounds => "bounds",
        }
    }
}

/// A disagreement that stays.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Difference {
    /// Dotted infra property paths (`redrive.max_receive_count`): one, or several with
    /// the same reason.
    #[serde(alias = "properties")]
    pub property: Paths,
    pub kind: Kind,
    pub reason: String,
}

/// One property path or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Paths {
    One(String),
    Many(Vec<String>),
}

impl Paths {
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let paths: &[String] = match self {
            Paths::One(p) => std::slice::from_ref(p),
            Paths::Many(ps) => ps,
        };
        paths.iter().map(String::as_str)
    }
}

pub const SOURCE: &str = include_str!("aws_contract.toml");

pub fn parse(text: &str) -> Result<Contract, String> {
    toml::from_str(text).map_err(|e| format!("aws_contract.toml: {e}"))
}

/// The contract compiled into infra. The unit test `aws_contract` parses the same text,
/// so a broken file fails the tests before it can reach a user.
pub fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| parse(SOURCE).unwrap_or_else(|e| panic!("{e}")))
}

/// The listed disagreements of `type_name`'s property at `path` (dotted, without list
/// markers: `lifecycle_rules.transitions.days`).
pub fn differences<'a>(type_name: &str, path: &'a str) -> impl Iterator<Item = &'static Difference> + 'a {
    contract().types.get(type_name).into_iter().flat_map(|t| &t.differs).filter(move |d| d.property.iter().any(|p| p == path))
}
