//! Turning written property values into concrete ones: `${...}` references are looked
//! up in variables, the state (resource attributes, other modules' outputs), data
//! lookups made in this run, and the caller identity. During planning, what a pending
//! step will produce is [`UNKNOWN`](crate::schema::UNKNOWN).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use serde_json::Value;

use crate::aws::Caller;
use crate::graph::Address;
use crate::manifest::expr::{self, Part, Reference};
use crate::manifest::Project;
use crate::resources::{registry, Attrs};
use crate::schema::{contains_unknown, UNKNOWN};
use crate::state::{ResourceState, State};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{reference}: {reason}")]
pub struct ResolveError {
    pub reference: String,
    pub reason: String,
}

/// What `${...}` can see at one moment of a run.
pub struct Scope<'a> {
    pub project: &'a Project,
    pub state: &'a State,
    pub identity: Option<&'a Caller>,
    /// Data lookups done in this run.
    pub data: &'a HashMap<Address, Attrs>,
    /// Nodes whose values are not known yet (planning only).
    pub unknown: &'a HashSet<Address>,
    /// Output values computed while planning, before they reach the state.
    pub outputs: &'a HashMap<Address, Value>,
    /// Sensitive attributes read from AWS in this run (never stored).
    pub secrets: &'a HashMap<Address, Attrs>,
    /// Resources found in AWS after an interrupted create, not yet in the state.
    pub adopted: &'a HashMap<Address, ResourceState>,
    /// Attributes of resources being created that follow from their inputs; they are
    /// what AWS will report, so they stand in before (and after) the create.
    pub early: &'a HashMap<Address, Attrs>,
}

/// A resolved value and the other modules' outputs it used.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub value: Value,
    /// `"5_database.aurora_secret_arn"` → value used.
    pub consumed: BTreeMap<String, Value>,
}

/// Nothing looked up, unknown, computed, read or adopted: what [`Scope::new`] starts from.
static NONE_ATTRS: LazyLock<HashMap<Address, Attrs>> = LazyLock::new(HashMap::new);
static NONE_UNKNOWN: LazyLock<HashSet<Address>> = LazyLock::new(HashSet::new);
static NONE_OUTPUTS: LazyLock<HashMap<Address, Value>> = LazyLock::new(HashMap::new);
static NONE_ADOPTED: LazyLock<HashMap<Address, ResourceState>> = LazyLock::new(HashMap::new);

impl<'a> Scope<'a> {
    /// The project and the state alone; a run sets what else it has seen with struct
    /// update syntax (`Scope { data: &data, ..Scope::new(project, state) }`).
    pub fn new(project: &'a Project, state: &'a State) -> Self {
        Scope {
            project,
            state,
            identity: None,
            data: &NONE_ATTRS,
            unknown: &NONE_UNKNOWN,
            outputs: &NONE_OUTPUTS,
            secrets: &NONE_ATTRS,
            adopted: &NONE_ADOPTED,
            early: &NONE_ATTRS,
        }
    }
}

impl Scope<'_> {
    /// Resolve every string in `value` written in `module`.
    pub fn resolve(&self, module: &str, value: &Value) -> Result<Resolved, ResolveError> {
        let mut consumed = BTreeMap::new();
        let value = self.walk(module, value, &mut consumed)?;
        Ok(Resolved { value, consumed })
    }

    fn walk(&self, module: &str, value: &Value, consumed: &mut BTreeMap<String, Value>) -> Result<Value, ResolveError> {
        Ok(match value {
            Value::String(s) => self.string(module, s, consumed)?,
            Value::Array(items) => Value::Array(items.iter().map(|v| self.walk(module, v, consumed)).collect::<Result<_, _>>()?),
            Value::Object(map) => Value::Object(
                map.iter().map(|(k, v)| Ok((k.clone(), self.walk(module, v, consumed)?))).collect::<Result<_, ResolveError>>()?,
            ),
            other => other.clone(),
        })
    }

    fn string(&self, module: &str, s: &str, consumed: &mut BTreeMap<String, Value>) -> Result<Value, ResolveError> {
        let template = expr::parse(s).map_err(|e| ResolveError { reference: s.to_string(), reason: e.to_string() })?;
        if let Some(r) = template.whole_reference() {
            return self.lookup(module, r, consumed);
        }
        let mut out = String::new();
        for part in &template.parts {
            match part {
                Part::Lit(text) => out.push_str(text),
                Part::Ref(r) => match self.lookup(module, r, consumed)? {
                    v if contains_unknown(&v) => return Ok(Value::String(UNKNOWN.into())),
                    Value::String(text) => out.push_str(&text),
                    other => out.push_str(&other.to_string()),
                },
            }
        }
        Ok(Value::String(out))
    }

    fn lookup(&self, module: &str, r: &Reference, consumed: &mut BTreeMap<String, Value>) -> Result<Value, ResolveError> {
        let fail = |reason: String| Err(ResolveError { reference: r.to_string(), reason });
        match r {
            Reference::Var(name) => match self.project.module(module).and_then(|m| m.variables.get(name)) {
                Some(v) => Ok(v.value.clone()),
                None => fail(format!("module {module} has no such variable")),
            },
            Reference::Local(name) => match self.project.module(module).and_then(|m| m.locals.get(name)) {
                Some(local) => self.walk(module, &local.value.to_json(), consumed),
                None => fail(format!("module {module} has no such local")),
            },
            Reference::Env => Ok(Value::String(self.project.environment.clone())),
            Reference::Aws(name) => {
                let Some(id) = self.identity else { return fail("the caller identity was not looked up".into()) };
                match name.as_str() {
                    "account_id" => Ok(id.account_id.clone().into()),
                    "region" => Ok(id.region.clone().into()),
                    "partition" => Ok(id.partition.clone().into()),
                    _ => fail("unknown value".into()),
                }
            }
            Reference::Resource { name, attr } => {
                if let Some(v) = self.early.get(&Address::resource(module, name)).and_then(|a| a.get(attr)) {
                    return Ok(v.clone());
                }
                if self.unknown.contains(&Address::resource(module, name)) {
                    return Ok(Value::String(UNKNOWN.into()));
                }
                let recorded = self.adopted.get(&Address::resource(module, name)).or_else(|| self.state.resource(module, name));
                match recorded {
                    None => fail(format!("{module}.{name} has not been created")),
                    Some(res) if registry::is_sensitive(&res.type_name, attr) => {
                        match self.secrets.get(&Address::resource(module, name)).and_then(|a| a.get(attr)) {
                            Some(v) => Ok(v.clone()),
                            None => fail("this sensitive value was not read from AWS".into()),
                        }
                    }
                    Some(res) => match attr.as_str() {
                        "id" => Ok(res.id.clone().into()),
                        _ => match res.attributes.get(attr) {
                            Some(v) => Ok(v.clone()),
                            None => fail(format!("{module}.{name} has no attribute `{attr}` recorded")),
                        },
                    },
                }
            }
            Reference::Data { name, attr } => {
                let addr = Address::data(module, name);
                if self.unknown.contains(&addr) {
                    return Ok(Value::String(UNKNOWN.into()));
                }
                match self.data.get(&addr).map(|a| a.get(attr)) {
                    Some(Some(v)) => Ok(v.clone()),
                    Some(None) => fail(format!("the lookup returned no `{attr}`")),
                    None => fail("the lookup has not run".into()),
                }
            }
            Reference::Module { module: up, output } => {
                let addr = Address::output(up, output);
                if self.unknown.contains(&addr) {
                    return Ok(Value::String(UNKNOWN.into()));
                }
                // Sensitive outputs are not stored: evaluate them where they are defined.
                if let Some(out) = self.project.module(up).and_then(|m| m.outputs.get(output)).filter(|o| o.sensitive) {
                    return self.walk(up, &out.value.to_json(), &mut BTreeMap::new());
                }
                match self.outputs.get(&addr).or_else(|| self.state.output(up, output)) {
                    Some(v) => {
                        consumed.insert(format!("{up}.{output}"), v.clone());
                        Ok(v.clone())
                    }
                    None if !self.state.is_deployed(up) => fail(format!("module {up} is not deployed")),
                    None => fail(format!("module {up} has no value for output `{output}` yet")),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{load, LoadOptions};
    use crate::state::ResourceState;
    use serde_json::json;

    fn project(dir: &std::path::Path) -> Project {
        std::fs::create_dir_all(dir.join("modules")).unwrap();
        std::fs::write(
            dir.join("modules/a.toml"),
            "[variables]\nsize = 2\n[resources.q]\ntype = \"sqs.queue\"\nname = \"q-${var.size}\"\n[outputs]\nurl = \"${resources.q.url}\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("modules/b.toml"),
            "[resources.q]\ntype = \"sqs.queue\"\nname = \"${module.a.url}\"\nvisibility_timeout_seconds = \"${var.t}\"\n[variables]\nt = 5\n",
        )
        .unwrap();
        load(&LoadOptions { root: dir.to_path_buf(), environment: "dev".into(), vars: vec![] }).unwrap()
    }

    #[test]
    fn resolves_interpolation_types_and_consumed() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let mut state = State::new();
        let unknown = HashSet::new();
        let scope = Scope { unknown: &unknown, ..Scope::new(&p, &state) };
        let r = scope.resolve("a", &json!({"name": "q-${var.size}", "n": "${var.size}"})).unwrap();
        assert_eq!(r.value, json!({"name": "q-2", "n": 2}));
        let err = scope.resolve("b", &json!("${module.a.url}")).unwrap_err();
        assert_eq!(err.reason, "module a is not deployed");

        let mut attrs = serde_json::Map::new();
        attrs.insert("url".into(), json!("http://q"));
        state.set_resource("a", "q", ResourceState::new("sqs.queue", "http://q".into(), json!({}), attrs));
        state.modules.get_mut("a").unwrap().outputs.insert("url".into(), json!("http://q"));
        let scope = Scope { unknown: &unknown, ..Scope::new(&p, &state) };
        let r = scope.resolve("b", &json!("${module.a.url}")).unwrap();
        assert_eq!(r.consumed.get("a.url"), Some(&json!("http://q")));

        let unknown = HashSet::from([Address::output("a", "url")]);
        let scope = Scope { unknown: &unknown, ..Scope::new(&p, &state) };
        assert_eq!(scope.resolve("b", &json!("x-${module.a.url}")).unwrap().value, json!(UNKNOWN));
    }
}
