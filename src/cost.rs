//! Monthly cost estimates from list prices: built in (`src/default_pricing.toml`, us-east-1
//! in USD), overridden by the project's `modules/pricing.toml`. Per resource type, a list
//! of components `price × quantity`, where `quantity` is a small arithmetic expression
//! over the resource's properties and the file's usage assumptions. The expression
//! language is hand-written (about a hundred lines): the well-known evaluator crate
//! (evalexpr) is AGPL-licensed and the MIT alternatives are unmaintained.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use crate::manifest::suggest;
use crate::manifest::{display_path, Diagnostic, Loc, SourceFile};
use crate::resources::registry;
use crate::schema::lookup_path;

pub use crate::manifest::load::PRICING_FILE;

/// The built-in table: what a project without a pricing file is priced with, and what
/// `infra init` writes as one.
pub const DEFAULT_PRICING: &str = include_str!("default_pricing.toml");

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
    /// Only for resources whose property (a path) has this value.
    #[serde(default)]
    when: BTreeMap<Spanned<String>, toml::Value>,
}

#[derive(Debug, Clone)]
pub struct Component {
    pub name: String,
    pub unit: String,
    pub price: f64,
    pub quantity: Expr,
    pub quantity_text: String,
    /// `when`: (property path, required value, the property's default when unset).
    pub when: Vec<(String, Value, Option<Value>)>,
}

/// Prices and usage assumptions.
#[derive(Debug, Default)]
pub struct Pricing {
    pub currency: String,
    pub region: String,
    pub source: Option<String>,
    pub assumptions: BTreeMap<String, f64>,
    pub types: BTreeMap<String, Vec<Component>>,
    /// The project's pricing file (`modules/pricing.toml`), if it has one; without it
    /// every price is the built-in table's.
    pub file: Option<String>,
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
    /// The built-in prices, overridden by `modules/pricing.toml` where the project has
    /// one: assumption by assumption and type by type. A file in another currency or
    /// region replaces the built-in table whole, since its prices cannot be mixed.
    pub fn load(root: &Path) -> Result<Pricing, Vec<Diagnostic>> {
        let builtin = SourceFile::new("(built-in prices)", DEFAULT_PRICING.to_string());
        let path = root.join("modules").join(PRICING_FILE);
        let project = match std::fs::read_to_string(&path) {
            Ok(text) => Some(SourceFile::new(display_path(root, &path), text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(vec![Diagnostic::file(&display_path(root, &path), format!("cannot read: {e}"))]),
        };
        let base = parse_file(&builtin)?;
        let Some(project) = project else { return build(base, &builtin, None) };
        let own = parse_file(&project)?;
        build(base, &builtin, Some((own, &project)))
    }

    /// The priced lines of one resource with the given (applied) properties.
    pub fn estimate(&self, type_name: &str, props: &Value) -> Result<Vec<Line>, String> {
        let Some(components) = self.types.get(type_name) else { return Ok(Vec::new()) };
        components
            .iter()
            .filter(|c| c.applies(props))
            .map(|c| {
                let quantity = c.quantity.eval(&|name| self.lookup(name, props))?;
                Ok(Line { component: c.name.clone(), unit: c.unit.clone(), quantity, monthly: quantity * c.price })
            })
            .collect()
    }

    /// Total of [`Pricing::estimate`]; an expression that cannot be evaluated costs 0.
    pub fn monthly(&self, type_name: &str, props: &Value) -> f64 {
        self.estimate(type_name, props).map(|lines| lines.iter().fold(0.0, |sum, l| sum + l.monthly)).unwrap_or(0.0)
    }

    /// Where the prices come from, for the line under an estimate.
    pub fn describe(&self) -> String {
        match &self.file {
            Some(file) => format!("{} list prices in {} with the usage assumptions in {file}", self.region, self.currency),
            None => format!(
                "{} list prices in {} built into infra, with its default usage assumptions (no modules/{PRICING_FILE}; `infra init` writes one to edit)",
                self.region, self.currency
            ),
        }
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

impl Component {
    /// Whether every `when` condition holds for these properties (an unset property
    /// counts as its default).
    fn applies(&self, props: &Value) -> bool {
        self.when.iter().all(|(path, want, default)| {
            let have = lookup_path(props, path).filter(|v| !v.is_null()).or(default.as_ref());
            match (have, want) {
                (Some(Value::Number(a)), Value::Number(b)) => a.as_f64() == b.as_f64(),
                (Some(a), b) => a == b,
                (None, _) => false,
            }
        })
    }
}

/// An amount of money as shown: rounded to the cent, never `-0.00`.
pub fn money(x: f64) -> f64 {
    let cents = (x * 100.0).round() / 100.0;
    if cents == 0.0 {
        0.0
    } else {
        cents
    }
}

fn parse_file(file: &Arc<SourceFile>) -> Result<File, Vec<Diagnostic>> {
    toml::from_str(&file.text)
        .map_err(|e| vec![Diagnostic::at(Loc::new(file, e.span().unwrap_or(0..0)), e.message().trim_end().to_string())])
}

/// A file's `[types]`, before they are checked.
type PricedTypes = BTreeMap<Spanned<String>, TypePrice>;

/// The table from the built-in file and the project's (which wins per assumption and
/// per type), every type and name checked, each problem located in its own file.
fn build(base: File, builtin: &Arc<SourceFile>, project: Option<(File, &Arc<SourceFile>)>) -> Result<Pricing, Vec<Diagnostic>> {
    let mut sources: Vec<(&Arc<SourceFile>, PricedTypes)> = Vec::new();
    let (currency, region, source, assumptions, file) = match project {
        Some((own, file)) if own.currency == base.currency && own.region == base.region => {
            let mut assumptions = base.assumptions;
            assumptions.extend(own.assumptions);
            let own_types: Vec<String> = own.types.keys().map(|k| k.get_ref().clone()).collect();
            let kept = base.types.into_iter().filter(|(k, _)| !own_types.contains(k.get_ref())).collect();
            sources.push((builtin, kept));
            sources.push((file, own.types));
            (own.currency, own.region, own.source.or(base.source), assumptions, Some(file.display.display().to_string()))
        }
        Some((own, file)) => {
            sources.push((file, own.types));
            (own.currency, own.region, own.source, own.assumptions, Some(file.display.display().to_string()))
        }
        None => {
            sources.push((builtin, base.types));
            (base.currency, base.region, base.source, base.assumptions, None)
        }
    };
    let mut diags = Vec::new();
    let mut types = BTreeMap::new();
    for (file, priced) in sources {
        for (type_name, price) in priced {
            if let Some(components) = check_type(file, &type_name, price, &assumptions, &mut diags) {
                types.insert(type_name.into_inner(), components);
            }
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(Pricing { currency, region, source, assumptions, types, file })
}

fn check_type(
    file: &Arc<SourceFile>,
    type_name: &Spanned<String>,
    price: TypePrice,
    assumptions: &BTreeMap<String, f64>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<Component>> {
    let Some(rtype) = registry::resource(type_name.get_ref()) else {
        let mut d = Diagnostic::at(Loc::new(file, type_name.span()), format!("unknown resource type `{}`", type_name.get_ref()));
        d.help = suggest(type_name.get_ref(), registry::resource_types());
        diags.push(d);
        return None;
    };
    let schema = rtype.schema();
    let mut components = Vec::new();
    for c in price.components {
        let loc = Loc::new(file, c.quantity.span());
        let expr = match parse(c.quantity.get_ref()) {
            Ok(expr) => expr,
            Err(e) => {
                diags.push(Diagnostic::at(loc, format!("invalid quantity: {e}")));
                continue;
            }
        };
        for name in expr.names() {
            if !assumptions.contains_key(name) && schema_field(&schema, name).is_none() {
                diags.push(Diagnostic::at(
                    loc.clone(),
                    format!("`{name}` is neither an assumption nor a property of {}", type_name.get_ref()),
                ));
            }
        }
        let mut when = Vec::new();
        for (path, value) in c.when {
            let Some(field) = schema_field(&schema, path.get_ref()) else {
                let at = Loc::new(file, path.span());
                diags.push(Diagnostic::at(at, format!("`when`: `{}` is not a property of {}", path.get_ref(), type_name.get_ref())));
                continue;
            };
            let want = serde_json::to_value(&value).unwrap_or(Value::Null);
            when.push((path.get_ref().clone(), want, field.default.clone()));
        }
        components.push(Component {
            name: c.name,
            unit: c.unit,
            price: c.price,
            quantity_text: c.quantity.get_ref().clone(),
            quantity: expr,
            when,
        });
    }
    Some(components)
}

fn schema_field<'t>(ty: &'t crate::schema::Ty, path: &str) -> Option<&'t crate::schema::Field> {
    let mut cur = ty;
    let mut found = None;
    for seg in path.split('.') {
        let f = cur.field(seg)?;
        cur = &f.ty;
        found = Some(f);
    }
    found
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

    #[test]
    fn the_built_in_table_prices_by_billing_mode_and_a_project_file_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let pricing = Pricing::load(dir.path()).unwrap();
        assert_eq!(pricing.file, None);
        let on_demand = pricing.monthly("dynamodb.table", &json!({"name": "t"}));
        let provisioned =
            pricing.monthly("dynamodb.table", &json!({"billing_mode": "PROVISIONED", "read_capacity": 1, "write_capacity": 1}));
        assert!((on_demand - 1.5).abs() < 1e-9, "{on_demand}");
        assert!((provisioned - (0.25 + 730.0 * (0.00065 + 0.00013))).abs() < 1e-9, "{provisioned}");
        assert!(
            pricing.monthly("cloudwatch.metric_alarm", &json!({"period": 10})) > pricing.monthly("cloudwatch.metric_alarm", &json!({}))
        );

        std::fs::create_dir_all(dir.path().join("modules")).unwrap();
        let file = "currency = \"USD\"\nregion = \"us-east-1\"\n[types.\"sqs.queue\"]\ncomponents = [{ name = \"q\", unit = \"u\", price = 1, quantity = \"1\", when = { fifoo = true } }]\n";
        std::fs::write(dir.path().join("modules").join(PRICING_FILE), file).unwrap();
        let err = Pricing::load(dir.path()).unwrap_err().iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n");
        assert!(err.contains("modules/pricing.toml:4") && err.contains("`fifoo` is not a property of sqs.queue"), "{err}");
    }

    #[test]
    fn money_is_never_negative_zero() {
        for x in [-0.0, -0.001, 0.0, 0.004 - 0.0041] {
            let m = money(x);
            assert!(m == 0.0 && m.is_sign_positive(), "{x} -> {m}");
            assert_eq!(format!("{m:.2}"), "0.00");
        }
        assert_eq!(money(-1.234), -1.23);
        assert_eq!(money(std::iter::empty::<f64>().sum()), 0.0);
    }
}
