//! Monthly cost estimates from `modules/pricing.toml`: per resource type, a list of
//! components `price × quantity`, where `quantity` is a small arithmetic expression
//! over the resource's properties and the file's usage assumptions. The expression
//! language is hand-written (about a hundred lines): the well-known evaluator crate
//! (evalexpr) is AGPL-licensed and the MIT alternatives are unmaintained.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use crate::manifest::suggest;
use crate::manifest::{display_path, Diagnostic, Loc, SourceFile};
use crate::resources::registry;
use crate::schema::lookup_path;

pub use crate::manifest::load::PRICING_FILE;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    currency: String,
    region: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    assumptions: BTreeMap<String, f64>,
    #[serde(default)]
    types: BTreeMap<Spanned<String>, TypePrice>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TypePrice {
    components: Vec<ComponentDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentDef {
    name: String,
    unit: String,
    price: f64,
    quantity: Spanned<String>,
}

#[derive(Debug, Clone)]
pub struct Component {
    pub name: String,
    pub unit: String,
    pub price: f64,
    pub quantity: Expr,
    pub quantity_text: String,
}

/// Prices and usage assumptions.
#[derive(Debug, Default)]
pub struct Pricing {
    pub currency: String,
    pub region: String,
    pub source: Option<String>,
    pub assumptions: BTreeMap<String, f64>,
    pub types: BTreeMap<String, Vec<Component>>,
}

/// One priced line of an estimate.
#[derive(Debug, Clone)]
pub struct Line {
    pub component: String,
    pub unit: String,
    pub quantity: f64,
    pub monthly: f64,
}

impl Pricing {
    /// Load `modules/pricing.toml`; a missing file prices everything at zero.
    pub fn load(root: &Path) -> Result<Pricing, Vec<Diagnostic>> {
        let path = root.join("modules").join(PRICING_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Pricing::default()),
            Err(e) => return Err(vec![Diagnostic::file(&display_path(root, &path), format!("cannot read: {e}"))]),
        };
        let file = SourceFile::new(display_path(root, &path), text);
        let parsed: File = toml::from_str(&file.text)
            .map_err(|e| vec![Diagnostic::at(Loc::new(&file, e.span().unwrap_or(0..0)), e.message().trim_end().to_string())])?;
        let mut diags = Vec::new();
        let mut types = BTreeMap::new();
        for (type_name, price) in parsed.types {
            let Some(kind) = registry::resource(type_name.get_ref()) else {
                let mut d = Diagnostic::at(Loc::new(&file, type_name.span()), format!("unknown resource type `{}`", type_name.get_ref()));
                d.help = suggest(type_name.get_ref(), registry::resource_types());
                diags.push(d);
                continue;
            };
            let schema = kind.schema();
            let mut components = Vec::new();
            for c in price.components {
                let loc = Loc::new(&file, c.quantity.span());
                match parse(c.quantity.get_ref()) {
                    Ok(expr) => {
                        for name in expr.names() {
                            let known = parsed.assumptions.contains_key(name) || schema_has(&schema, name);
                            if !known {
                                diags.push(Diagnostic::at(
                                    loc.clone(),
                                    format!("`{name}` is neither an assumption nor a property of {}", type_name.get_ref()),
                                ));
                            }
                        }
                        components.push(Component {
                            name: c.name,
                            unit: c.unit,
                            price: c.price,
                            quantity_text: c.quantity.get_ref().clone(),
                            quantity: expr,
                        });
                    }
                    Err(e) => diags.push(Diagnostic::at(loc, format!("invalid quantity: {e}"))),
                }
            }
            types.insert(type_name.into_inner(), components);
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        Ok(Pricing { currency: parsed.currency, region: parsed.region, source: parsed.source, assumptions: parsed.assumptions, types })
    }

    /// The priced lines of one resource with the given (applied) properties.
    pub fn estimate(&self, type_name: &str, props: &Value) -> Result<Vec<Line>, String> {
        let Some(components) = self.types.get(type_name) else { return Ok(Vec::new()) };
        components
            .iter()
            .map(|c| {
                let quantity = c.quantity.eval(&|name| self.lookup(name, props))?;
                Ok(Line { component: c.name.clone(), unit: c.unit.clone(), quantity, monthly: quantity * c.price })
            })
            .collect()
    }

    /// Total of [`Pricing::estimate`]; an expression that cannot be evaluated costs 0.
    pub fn monthly(&self, type_name: &str, props: &Value) -> f64 {
        self.estimate(type_name, props).map(|lines| lines.iter().map(|l| l.monthly).sum()).unwrap_or(0.0)
    }

    fn lookup(&self, name: &str, props: &Value) -> Option<f64> {
        if let Some(v) = self.assumptions.get(name) {
            return Some(*v);
        }
        match lookup_path(props, name)? {
            Value::Number(n) => n.as_f64(),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            // "1 vCPU", "2 GB": the leading number.
            Value::String(s) => {
                let num: String = s.trim().chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
                num.parse().ok()
            }
            _ => None,
        }
    }
}

fn schema_has(ty: &crate::schema::Ty, path: &str) -> bool {
    let mut cur = ty;
    for seg in path.split('.') {
        match cur.field(seg) {
            Some(f) => cur = &f.ty,
            None => return false,
        }
    }
    true
}

/// An arithmetic expression: numbers, names, `+ - * /`, parentheses, `min(a, b)`, `max(a, b)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Name(String),
    Neg(Box<Expr>),
    Bin(char, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

impl Expr {
    pub fn eval(&self, lookup: &dyn Fn(&str) -> Option<f64>) -> Result<f64, String> {
        Ok(match self {
            Expr::Num(n) => *n,
            Expr::Name(n) => lookup(n).ok_or_else(|| format!("no value for `{n}`"))?,
            Expr::Neg(e) => -e.eval(lookup)?,
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.eval(lookup)?, b.eval(lookup)?);
                match op {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    _ if b == 0.0 => 0.0,
                    _ => a / b,
                }
            }
            Expr::Call(f, args) => {
                let vals = args.iter().map(|a| a.eval(lookup)).collect::<Result<Vec<_>, _>>()?;
                match f.as_str() {
                    "min" => vals.into_iter().fold(f64::INFINITY, f64::min),
                    _ => vals.into_iter().fold(f64::NEG_INFINITY, f64::max),
                }
            }
        })
    }

    /// Every name the expression reads.
    pub fn names(&self) -> Vec<&str> {
        match self {
            Expr::Num(_) => vec![],
            Expr::Name(n) => vec![n.as_str()],
            Expr::Neg(e) => e.names(),
            Expr::Bin(_, a, b) => a.names().into_iter().chain(b.names()).collect(),
            Expr::Call(_, args) => args.iter().flat_map(Expr::names).collect(),
        }
    }
}

pub fn parse(text: &str) -> Result<Expr, String> {
    let mut p = Parser { chars: text.chars().collect(), pos: 0 };
    let e = p.sum()?;
    p.skip_ws();
    if p.pos < p.chars.len() {
        return Err(format!("unexpected `{}` at column {}", p.chars[p.pos], p.pos + 1));
    }
    Ok(e)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.chars.get(self.pos).copied()
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut left = self.product()?;
        while let Some(op @ ('+' | '-')) = self.peek() {
            self.pos += 1;
            left = Expr::Bin(op, Box::new(left), Box::new(self.product()?));
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while let Some(op @ ('*' | '/')) = self.peek() {
            self.pos += 1;
            left = Expr::Bin(op, Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek() == Some('-') {
            self.pos += 1;
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some('(') => {
                self.pos += 1;
                let e = self.sum()?;
                self.expect(')')?;
                Ok(e)
            }
            Some(c) if c.is_ascii_digit() || c == '.' => {
                let start = self.pos;
                while self.chars.get(self.pos).is_some_and(|c| c.is_ascii_digit() || *c == '.' || *c == '_') {
                    self.pos += 1;
                }
                let text: String = self.chars[start..self.pos].iter().filter(|c| **c != '_').collect();
                text.parse().map(Expr::Num).map_err(|_| format!("bad number `{text}`"))
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let start = self.pos;
                while self.chars.get(self.pos).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.') {
                    self.pos += 1;
                }
                let name: String = self.chars[start..self.pos].iter().collect();
                if self.peek() == Some('(') {
                    if name != "min" && name != "max" {
                        return Err(format!("unknown function `{name}` (min and max exist)"));
                    }
                    self.pos += 1;
                    let mut args = vec![self.sum()?];
                    while self.peek() == Some(',') {
                        self.pos += 1;
                        args.push(self.sum()?);
                    }
                    self.expect(')')?;
                    return Ok(Expr::Call(name, args));
                }
                Ok(Expr::Name(name))
            }
            Some(c) => Err(format!("unexpected `{c}` at column {}", self.pos + 1)),
            None => Err("unexpected end of expression".into()),
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected `{c}` at column {}", self.pos + 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expressions_follow_precedence() {
        let e = parse("2 + 3 * (4 - 1) / 3 - -1").unwrap();
        assert_eq!(e.eval(&|_| None).unwrap(), 6.0);
        let e = parse("max(memory_size / 1024, 0.125) * hours").unwrap();
        let v = e
            .eval(&|n| match n {
                "memory_size" => Some(2048.0),
                "hours" => Some(10.0),
                _ => None,
            })
            .unwrap();
        assert_eq!(v, 20.0);
        assert_eq!(e.names(), vec!["memory_size", "hours"]);
        assert!(parse("2 +").is_err());
        assert!(parse("sqrt(2)").unwrap_err().contains("unknown function"));
        assert!(parse("2 $ 3").unwrap_err().contains("column 3"));
    }

    #[test]
    fn the_shipped_pricing_file_prices_aurora_like_the_seed() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let pricing = Pricing::load(root).unwrap();
        let props = json!({"serverless_v2": {"min_capacity": 0.5, "max_capacity": 1.0}});
        let monthly = pricing.monthly("rds.cluster", &props);
        // Seed 000: "Aurora Serverless v2 ... ~$40/month".
        assert!((40.0..50.0).contains(&monthly), "{monthly}");
        let app_runner = pricing.monthly("apprunner.service", &json!({"cpu": "1 vCPU", "memory": "2 GB"}));
        assert!(app_runner > 0.0);
        assert_eq!(pricing.monthly("iam.role", &json!({})), 0.0);
    }
}
