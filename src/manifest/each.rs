//! `for_each` and the helpers decided before anything runs. A resource with
//! `for_each` over a list or map (written out, or from a variable or local) becomes one
//! resource per element, `NAME["KEY"]`, with `${each.key}`, `${each.value}`
//! (`${each.value.FIELD}` for tables) and `${each.index}` filled in; another
//! resource's instance is `${resources.NAME[each.key].ATTR}`. `${cidrsubnet(BASE,
//! NEWBITS, NUM)}` computes a subnet's CIDR block. A property that is exactly
//! `${resources.NAME[*].ATTR}` becomes the list of every instance's attribute. All of this
//! happens while loading, so the graph, plan and state only ever see plain resources.

use std::net::Ipv4Addr;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use super::source::{Diagnostic, Key, Loc, Node, NodeKind, SourceFile};
use super::{Dependency, Module};

/// One element of a `for_each`.
#[derive(Debug, Clone)]
struct Each {
    key: String,
    value: Value,
    index: usize,
}

/// The address of one instance: `NAME["KEY"]`.
pub fn instance(name: &str, key: &str) -> String {
    format!("{name}[\"{key}\"]")
}

/// The resource name an instance address belongs to (`private_subnet` for
/// `private_subnet["a"]`), or the name itself.
pub fn base(name: &str) -> &str {
    name.split_once('[').map_or(name, |(b, _)| b)
}

/// Expand every `for_each` of the module, evaluate the helpers, and desugar splats;
/// references are collected afterwards, from what is left.
pub fn expand(module: &mut Module, diags: &mut Vec<Diagnostic>) {
    let file = Arc::clone(&module.file);
    let mut expanded: IndexMap<String, Vec<String>> = IndexMap::new();
    let resources = std::mem::take(&mut module.resources);
    for (name, mut decl) in resources {
        let Some(node) = decl.for_each.take() else {
            decl.properties = substitute(&file, &decl.properties, &module.variables, None, diags);
            module.resources.insert(name, decl);
            continue;
        };
        let Some(elements) = elements(&file, &node, module, diags) else { continue };
        let mut names = Vec::new();
        for each in elements {
            let mut one = decl.clone();
            one.name = instance(&name, &each.key);
            one.properties = substitute(&file, &decl.properties, &module.variables, Some(&each), diags);
            names.push(one.name.clone());
            module.resources.insert(one.name.clone(), one);
        }
        expanded.insert(name, names);
    }
    for decl in module.data.values_mut() {
        decl.properties = substitute(&file, &decl.properties, &module.variables, None, diags);
    }
    // `depends_on = ["resources.NAME"]` on a `for_each` resource means every instance.
    for decl in module.resources.values_mut().chain(module.data.values_mut()) {
        decl.depends_on = std::mem::take(&mut decl.depends_on)
            .into_iter()
            .flat_map(|(dep, loc)| match &dep {
                Dependency::Resource(n) if expanded.contains_key(n) => {
                    expanded[n].iter().map(|i| (Dependency::Resource(i.clone()), loc.clone())).collect::<Vec<_>>()
                }
                _ => vec![(dep, loc)],
            })
            .collect();
        decl.properties = splat(&file, &decl.properties, &expanded, diags);
    }
    for output in module.outputs.values_mut() {
        output.value = splat(&file, &output.value, &expanded, diags);
    }
}

/// What a `for_each` iterates over: a list (keys are the elements) or a table.
fn elements(file: &Arc<SourceFile>, node: &Node, module: &Module, diags: &mut Vec<Diagnostic>) -> Option<Vec<Each>> {
    let at = || Loc::new(file, node.span.clone());
    let value = match &node.kind {
        NodeKind::Str(s) => {
            let name = s.strip_prefix("${").and_then(|s| s.strip_suffix('}')).map(str::trim);
            match name.and_then(|n| n.split_once('.')) {
                Some(("var", v)) => match module.variables.get(v) {
                    Some(var) => var.value.clone(),
                    None => {
                        diags.push(Diagnostic::at(at(), format!("unknown variable `{v}` in `for_each`")));
                        return None;
                    }
                },
                Some(("local", l)) => match module.locals.get(l) {
                    Some(local) if local.references.is_empty() => local.value.to_json(),
                    Some(_) => {
                        diags
                            .push(Diagnostic::at(at(), format!("local `{l}` uses references: `for_each` is decided before anything runs")));
                        return None;
                    }
                    None => {
                        diags.push(Diagnostic::at(at(), format!("unknown local `{l}` in `for_each`")));
                        return None;
                    }
                },
                _ => {
                    diags.push(
                        Diagnostic::at(at(), format!("`for_each` takes a list, a table, `${{var.NAME}}` or `${{local.NAME}}`, not `{s}`"))
                            .with_help("`for_each` is decided before anything runs, so it cannot use resources or lookups; put the zones in a variable of the env file"),
                    );
                    return None;
                }
            }
        }
        _ => node.to_json(),
    };
    let list: Vec<(String, Value)> = match value {
        Value::Array(items) => items
            .into_iter()
            .map(|v| match &v {
                Value::String(s) => Ok((s.clone(), v)),
                Value::Number(n) => Ok((n.to_string(), v)),
                other => Err(format!("a `for_each` list holds strings or numbers (its keys), not {other}; use a table to give each a key")),
            })
            .collect::<Result<_, _>>()
            .map_err(|e| diags.push(Diagnostic::at(at(), e)))
            .ok()?,
        Value::Object(map) => map.into_iter().collect(),
        other => {
            diags.push(Diagnostic::at(at(), format!("`for_each` needs a list or a table, found {other}")));
            return None;
        }
    };
    let mut out = Vec::new();
    for (index, (key, value)) in list.into_iter().enumerate() {
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@+=".contains(c)) {
            diags.push(Diagnostic::at(at(), format!("`for_each` key `{key}`: use letters, digits and `-_./:@+=`")));
            continue;
        }
        if out.iter().any(|e: &Each| e.key == key) {
            diags.push(Diagnostic::at(at(), format!("`for_each` has the key `{key}` twice")));
            continue;
        }
        out.push(Each { key, value, index });
    }
    Some(out)
}

trait Vars {
    fn var(&self, name: &str) -> Option<&Value>;
}

impl Vars for IndexMap<String, super::Variable> {
    fn var(&self, name: &str) -> Option<&Value> {
        self.get(name).map(|v| &v.value)
    }
}

/// `node` with `each.*` and helper calls replaced, recursively.
fn substitute(file: &Arc<SourceFile>, node: &Node, vars: &dyn Vars, each: Option<&Each>, diags: &mut Vec<Diagnostic>) -> Node {
    let kind = match &node.kind {
        NodeKind::Str(s) if s.contains("${") => match string(s, vars, each) {
            Ok(Replaced::Text(t)) => NodeKind::Str(t),
            Ok(Replaced::Value(v)) => return from_json(&v, node.span.clone()),
            Err(e) => {
                diags.push(Diagnostic::at(Loc::new(file, node.span.clone()), e));
                node.kind.clone()
            }
        },
        NodeKind::Array(items) => NodeKind::Array(items.iter().map(|n| substitute(file, n, vars, each, diags)).collect()),
        NodeKind::Table(entries) => {
            NodeKind::Table(entries.iter().map(|(k, n)| (k.clone(), substitute(file, n, vars, each, diags))).collect())
        }
        other => other.clone(),
    };
    Node { span: node.span.clone(), kind }
}

enum Replaced {
    Text(String),
    /// The whole string was `${each.value}` of a list or table: the value itself.
    Value(Value),
}

/// Replace the `${...}` this module handles; other references stay for the loader.
fn string(s: &str, vars: &dyn Vars, each: Option<&Each>) -> Result<Replaced, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find("${") {
        if pos > 0 && rest[..pos].ends_with('$') {
            // `$${` is an escaped literal.
            out.push_str(&rest[..pos + 2]);
            rest = &rest[pos + 2..];
            continue;
        }
        let body_start = &rest[pos + 2..];
        let Some(end) = body_start.find('}') else { break };
        let body = body_start[..end].trim();
        let replaced = if let Some(args) = body.strip_prefix("cidrsubnet(").and_then(|b| b.strip_suffix(')')) {
            Some(Value::String(cidrsubnet_call(args, vars, each)?))
        } else if body == "each" || body.starts_with("each.") {
            let Some(each) = each else { return Err(format!("`${{{body}}}` is only defined in a resource with `for_each`")) };
            Some(each_value(body, each)?)
        } else if let Some((before, after)) = body.split_once("[each.").filter(|_| body.starts_with("resources.")) {
            // `${resources.nat[each.value].id}`: the instance whose key this element names.
            let Some(each) = each else { return Err(format!("`${{{body}}}` is only defined in a resource with `for_each`")) };
            let (field, attr) = after.split_once(']').ok_or_else(|| format!("`${{{body}}}`: unclosed `[`"))?;
            let key = scalar(&each_value(&format!("each.{field}"), each)?).ok_or_else(|| format!("`each.{field}` is not a key"))?;
            out.push_str(&rest[..pos]);
            out.push_str(&format!("${{{before}[\"{key}\"]{attr}}}"));
            rest = &body_start[end + 1..];
            continue;
        } else {
            None
        };
        match replaced {
            Some(v) if s.trim() == format!("${{{}}}", &body_start[..end]) && !v.is_string() => return Ok(Replaced::Value(v)),
            Some(v) => {
                out.push_str(&rest[..pos]);
                out.push_str(&scalar(&v).ok_or_else(|| format!("`${{{body}}}` is a list or table: it cannot be part of a longer string"))?);
            }
            None => out.push_str(&rest[..pos + 2 + end + 1]),
        }
        rest = &body_start[end + 1..];
    }
    out.push_str(rest);
    Ok(Replaced::Text(out))
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn each_value(body: &str, each: &Each) -> Result<Value, String> {
    match body {
        "each.key" => Ok(Value::String(each.key.clone())),
        "each.index" => Ok(Value::from(each.index)),
        "each.value" => Ok(each.value.clone()),
        _ => match body.strip_prefix("each.value.") {
            Some(field) => {
                each.value.get(field).cloned().ok_or_else(|| format!("`${{{body}}}`: the element `{}` has no field `{field}`", each.key))
            }
            None => Err(format!("unknown `${{{body}}}`: use each.key, each.value, each.value.FIELD or each.index")),
        },
    }
}

/// One argument of a helper: `var.NAME`, `each.*`, a number, `"text"`, or `A + N`.
fn argument(arg: &str, vars: &dyn Vars, each: Option<&Each>) -> Result<Value, String> {
    let arg = arg.trim();
    if let Some((a, b)) = arg.split_once('+') {
        let (a, b) = (argument(a, vars, each)?, argument(b, vars, each)?);
        return match (a.as_i64(), b.as_i64()) {
            (Some(a), Some(b)) => Ok(Value::from(a + b)),
            _ => Err(format!("`{arg}`: only numbers add up")),
        };
    }
    if let Ok(n) = arg.parse::<i64>() {
        return Ok(Value::from(n));
    }
    if let Some(text) = arg.strip_prefix('"').and_then(|a| a.strip_suffix('"')) {
        return Ok(Value::String(text.to_string()));
    }
    if let Some(name) = arg.strip_prefix("var.") {
        return vars.var(name).cloned().ok_or_else(|| format!("unknown variable `{name}`"));
    }
    if arg.starts_with("each.") {
        let each = each.ok_or_else(|| format!("`{arg}` is only defined in a resource with `for_each`"))?;
        return each_value(arg, each);
    }
    Err(format!("`{arg}`: a helper's arguments are variables, `each.*`, numbers or \"text\""))
}

fn cidrsubnet_call(args: &str, vars: &dyn Vars, each: Option<&Each>) -> Result<String, String> {
    let parts: Vec<&str> = args.split(',').collect();
    let [base, bits, num] = parts.as_slice() else {
        return Err(format!("cidrsubnet takes 3 arguments (base, newbits, netnum), got `{args}`"));
    };
    let base = argument(base, vars, each)?;
    let base = base.as_str().ok_or_else(|| format!("cidrsubnet: the base must be a CIDR block, not {base}"))?.to_string();
    let int = |v: Value| v.as_i64().or_else(|| v.as_str()?.parse().ok());
    let bits = int(argument(bits, vars, each)?).ok_or("cidrsubnet: newbits must be a number")?;
    let num = int(argument(num, vars, each)?).ok_or("cidrsubnet: netnum must be a number")?;
    cidrsubnet(&base, bits, num)
}

/// Terraform's `cidrsubnet`: the `num`th subnet of `base` with `bits` more prefix bits.
pub fn cidrsubnet(base: &str, bits: i64, num: i64) -> Result<String, String> {
    let (ip, len) = base.split_once('/').ok_or_else(|| format!("cidrsubnet: `{base}` is not a CIDR block"))?;
    let ip: Ipv4Addr = ip.parse().map_err(|_| format!("cidrsubnet: `{base}` is not an IPv4 CIDR block"))?;
    let len: i64 = len.parse().map_err(|_| format!("cidrsubnet: `{base}` has no prefix length"))?;
    let new_len = len + bits;
    if !(0..=32).contains(&len) || bits < 1 || new_len > 32 {
        return Err(format!("cidrsubnet: /{len} plus {bits} bits is not a prefix length"));
    }
    if num < 0 || num >= 1 << bits {
        return Err(format!("cidrsubnet: {base} has {} subnets of /{new_len}; number {num} is not one", 1i64 << bits));
    }
    let network = u32::from(ip) & (u32::MAX.checked_shl((32 - len) as u32).unwrap_or(0));
    let subnet = network | ((num as u32) << (32 - new_len));
    Ok(format!("{}/{new_len}", Ipv4Addr::from(subnet)))
}

/// A JSON value as a node at `span` (for `${each.value}` standing for a table).
fn from_json(v: &Value, span: std::ops::Range<usize>) -> Node {
    let kind = match v {
        Value::String(s) => NodeKind::Str(s.clone()),
        Value::Bool(b) => NodeKind::Bool(*b),
        Value::Number(n) => n.as_i64().map(NodeKind::Int).unwrap_or_else(|| NodeKind::Float(n.as_f64().unwrap_or(0.0))),
        Value::Array(items) => NodeKind::Array(items.iter().map(|i| from_json(i, span.clone())).collect()),
        Value::Object(map) => {
            NodeKind::Table(map.iter().map(|(k, v)| (Key { name: k.clone(), span: span.clone() }, from_json(v, span.clone()))).collect())
        }
        Value::Null => NodeKind::Str(String::new()),
    };
    Node { span, kind }
}

/// `"${resources.NAME[*].ATTR}"` as the list of every instance's attribute.
fn splat(file: &Arc<SourceFile>, node: &Node, expanded: &IndexMap<String, Vec<String>>, diags: &mut Vec<Diagnostic>) -> Node {
    let kind = match &node.kind {
        NodeKind::Str(s) if s.contains("[*]") => {
            let whole = s.trim().strip_prefix("${resources.").and_then(|r| r.strip_suffix('}')).and_then(|r| r.split_once("[*]."));
            match whole {
                Some((name, attr)) => match expanded.get(name) {
                    Some(instances) => NodeKind::Array(
                        instances
                            .iter()
                            .map(|i| Node { span: node.span.clone(), kind: NodeKind::Str(format!("${{resources.{i}.{attr}}}")) })
                            .collect(),
                    ),
                    None => {
                        diags.push(Diagnostic::at(Loc::new(file, node.span.clone()), format!("`{s}`: `{name}` has no `for_each`")));
                        node.kind.clone()
                    }
                },
                None => {
                    diags.push(
                        Diagnostic::at(
                            Loc::new(file, node.span.clone()),
                            format!("`{s}`: `[*]` stands for a list, so it must be the whole value"),
                        )
                        .with_help("write `ids = \"${resources.NAME[*].id}\"`"),
                    );
                    node.kind.clone()
                }
            }
        }
        NodeKind::Array(items) => {
            // A splat inside a list adds its elements to the list.
            let mut out = Vec::new();
            for item in items {
                let n = splat(file, item, expanded, diags);
                match (&item.kind, n.kind) {
                    (NodeKind::Str(_), NodeKind::Array(inner)) => out.extend(inner),
                    (_, kind) => out.push(Node { span: n.span, kind }),
                }
            }
            NodeKind::Array(out)
        }
        NodeKind::Table(entries) => NodeKind::Table(entries.iter().map(|(k, n)| (k.clone(), splat(file, n, expanded, diags))).collect()),
        other => other.clone(),
    };
    Node { span: node.span.clone(), kind }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrsubnet_matches_terraform() {
        assert_eq!(cidrsubnet("10.0.0.0/16", 8, 0).unwrap(), "10.0.0.0/24");
        assert_eq!(cidrsubnet("10.0.0.0/16", 8, 11).unwrap(), "10.0.11.0/24");
        assert_eq!(cidrsubnet("10.2.0.0/16", 4, 3).unwrap(), "10.2.48.0/20");
        assert_eq!(cidrsubnet("172.16.0.0/12", 4, 2).unwrap(), "172.18.0.0/16");
        assert!(cidrsubnet("10.0.0.0/16", 8, 256).is_err());
        assert!(cidrsubnet("10.0.0.0/30", 8, 0).is_err());
    }

    #[test]
    fn each_fills_values_and_instance_references() {
        let vars = IndexMap::new();
        let each = Each { key: "us-east-1b".into(), value: Value::String("us-east-1a".into()), index: 1 };
        let text = |s: &str| match string(s, &vars, Some(&each)).unwrap() {
            Replaced::Text(t) => t,
            Replaced::Value(v) => v.to_string(),
        };
        assert_eq!(text("private-${each.key}"), "private-us-east-1b");
        assert_eq!(text("${resources.nat[each.value].id}"), "${resources.nat[\"us-east-1a\"].id}");
        assert_eq!(text("${cidrsubnet(\"10.0.0.0/16\", 8, each.index + 10)}"), "10.0.11.0/24");
        assert_eq!(text("${var.keep} $${each.key}"), "${var.keep} $${each.key}");
        assert!(string("${each.key}", &vars, None).is_err());
    }

    #[test]
    fn instance_names() {
        assert_eq!(instance("private_subnet", "us-east-1a"), "private_subnet[\"us-east-1a\"]");
        assert_eq!(base("private_subnet[\"us-east-1a\"]"), "private_subnet");
        assert_eq!(base("plain"), "plain");
    }
}
