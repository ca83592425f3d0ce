//! Typed resource properties: the [`props!`] macro declares a property struct and its
//! schema at once, so validation, defaults, diffs, replace-vs-update decisions, AWS's
//! value rules ([`check`]) and the generated reference all come from one declaration.
//! Also the schema-driven walks over resolved JSON values.

pub mod aws_contract;
pub mod check;

use serde_json::Value;

pub use check::Check;

/// Marker left in a resolved value whose input is only known once an upstream step
/// has run. It never reaches AWS or the state file: the executor resolves again.
pub const UNKNOWN: &str = "\u{1}(known after apply)";

/// The type of a property or attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Str,
    Int,
    Float,
    Bool,
    List(Box<Ty>),
    /// A table with free-form string keys (environment variables, tags).
    Map(Box<Ty>),
    /// A table with a fixed set of fields.
    Object(Vec<Field>),
    /// Any JSON document (IAM policies, dashboard bodies).
    Json,
}

impl Ty {
    pub fn name(&self) -> String {
        match self {
            Ty::Str => "string".into(),
            Ty::Int => "integer".into(),
            Ty::Float => "number".into(),
            Ty::Bool => "boolean".into(),
            Ty::List(t) => format!("array of {}", t.name()),
            Ty::Map(t) => format!("table of {}", t.name()),
            Ty::Object(_) => "table".into(),
            Ty::Json => "JSON document".into(),
        }
    }

    pub fn fields(&self) -> &[Field] {
        match self {
            Ty::Object(f) => f,
            _ => &[],
        }
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields().iter().find(|f| f.name == name)
    }
}

/// One property of a resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub default: Option<Value>,
    /// A change to this property cannot be made in place: the resource is replaced.
    pub replace: bool,
    /// AWS cannot change this property at all, and a replacement would lose what the
    /// resource guards (a KMS key's usage: what it encrypted stays readable only by it):
    /// a change is refused, naming the property, instead of planned as a replace.
    pub immutable: bool,
    /// Filled in by the tool (e.g. a code hash), never written in a manifest.
    pub computed: bool,
    /// infra's own setting, which AWS does not hold (`force_destroy`, a `code_dir`): read
    /// back as applied, so never drift, and unknown to `import --discover`, which
    /// writes the default.
    pub local: bool,
    /// AWS's rule for the value (length, characters, range), checked wherever the value
    /// is known: at `validate` with file and line, and before any call to AWS.
    pub check: Option<Check>,
    pub doc: &'static str,
}

/// Maps a Rust property type to its schema type.
pub trait PropType {
    fn ty() -> Ty;
}

impl PropType for String {
    fn ty() -> Ty {
        Ty::Str
    }
}
impl PropType for i64 {
    fn ty() -> Ty {
        Ty::Int
    }
}
impl PropType for i32 {
    fn ty() -> Ty {
        Ty::Int
    }
}
impl PropType for f64 {
    fn ty() -> Ty {
        Ty::Float
    }
}
impl PropType for bool {
    fn ty() -> Ty {
        Ty::Bool
    }
}
impl PropType for Value {
    fn ty() -> Ty {
        Ty::Json
    }
}
impl<T: PropType> PropType for Option<T> {
    fn ty() -> Ty {
        T::ty()
    }
}
impl<T: PropType> PropType for Vec<T> {
    fn ty() -> Ty {
        Ty::List(Box::new(T::ty()))
    }
}
impl<T: PropType> PropType for std::collections::BTreeMap<String, T> {
    fn ty() -> Ty {
        Ty::Map(Box::new(T::ty()))
    }
}

/// Declares a property struct and its schema.
///
/// ```ignore
/// props! {
///     pub struct QueueProps {
///         /// Queue name.
///         name: String => required, replace;
///         visibility_timeout_seconds: i64 => default(30);
///         redrive: Option<Redrive> => optional;
///     }
/// }
/// ```
/// Kinds: `required`, `optional` (type must be `Option<_>`), `default(value)`.
/// Flags: `replace` (changing it replaces the resource), `immutable` (AWS cannot change
/// it and a replacement would lose what the resource guards: a change is refused),
/// `computed` (set by the tool), `local` (infra's own setting, not held by AWS),
/// `check(Check::...)` (AWS's rule for the value; for a list, for each item).
#[macro_export]
macro_rules! props {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $fty:ty => $kind:ident $(( $($default:tt)* ))? $(, $flag:ident $(( $check:expr ))?)* ;
            )*
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $( $(#[doc = $doc])* pub $field: $fty, )*
        }

        impl $crate::schema::PropType for $name {
            fn ty() -> $crate::schema::Ty {
                $crate::schema::Ty::Object(vec![
                    $( $crate::schema::Field {
                        name: stringify!($field),
                        ty: <$fty as $crate::schema::PropType>::ty(),
                        required: $crate::props!(@required $kind),
                        default: $crate::props!(@default $kind $(( $($default)* ))?),
                        replace: [$(stringify!($flag)),*].contains(&"replace") || [$(stringify!($flag)),*].contains(&"immutable"),
                        immutable: [$(stringify!($flag)),*].contains(&"immutable"),
                        computed: [$(stringify!($flag)),*].contains(&"computed"),
                        local: [$(stringify!($flag)),*].contains(&"local"),
                        check: $crate::props!(@check $($flag $(($check))?)*),
                        doc: concat!("" $(, $doc)*),
                    }, )*
                ])
            }
        }
    };
    (@check) => { None };
    (@check check($c:expr) $($rest:tt)*) => { Some($c) };
    (@check $f:ident $($rest:tt)*) => { $crate::props!(@check $($rest)*) };
    (@required required) => { true };
    (@required optional) => { false };
    (@required default) => { false };
    (@default required) => { None };
    (@default optional) => { None };
    (@default default ($($d:tt)*)) => { Some(serde_json::json!($($d)*)) };
}

pub fn is_unknown(v: &Value) -> bool {
    matches!(v, Value::String(s) if s == UNKNOWN)
}

/// True if the value holds an unknown marker anywhere.
pub fn contains_unknown(v: &Value) -> bool {
    match v {
        Value::String(s) => s == UNKNOWN,
        Value::Array(items) => items.iter().any(contains_unknown),
        Value::Object(map) => map.values().any(contains_unknown),
        _ => false,
    }
}

/// Bring a resolved value to its schema: fill defaults, convert scalars the way a
/// user would expect (`"1.5"` where a number is wanted, `7` where a string is wanted).
/// Unknown markers are left in place. Returns the path and problem on a mismatch.
pub fn normalize(value: &mut Value, ty: &Ty, path: &str) -> Result<(), String> {
    if is_unknown(value) {
        return Ok(());
    }
    let mismatch = |v: &Value| Err(format!("{}: expected {}, found {}", display_path(path), ty.name(), json_type(v)));
    match ty {
        Ty::Str => match value {
            Value::String(_) => Ok(()),
            Value::Number(n) => {
                *value = Value::String(n.to_string());
                Ok(())
            }
            Value::Bool(b) => {
                *value = Value::String(b.to_string());
                Ok(())
            }
            other => mismatch(other),
        },
        Ty::Int => match value {
            Value::Number(n) if n.is_i64() => Ok(()),
            Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0 && f.abs() < 9.0e15) => {
                *value = Value::from(n.as_f64().unwrap_or_default() as i64);
                Ok(())
            }
            Value::String(s) if s.trim().parse::<i64>().is_ok() => {
                *value = Value::from(s.trim().parse::<i64>().unwrap_or_default());
                Ok(())
            }
            other => mismatch(other),
        },
        Ty::Float => match value {
            Value::Number(_) => Ok(()),
            Value::String(s) => match s.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                Some(n) => {
                    *value = Value::Number(n);
                    Ok(())
                }
                None => mismatch(&Value::String(s.clone())),
            },
            other => mismatch(other),
        },
        Ty::Bool => match value {
            Value::Bool(_) => Ok(()),
            Value::String(s) if s == "true" || s == "false" => {
                *value = Value::Bool(s == "true");
                Ok(())
            }
            other => mismatch(other),
        },
        Ty::List(item) => match value {
            Value::Array(items) => {
                for (i, v) in items.iter_mut().enumerate() {
                    normalize(v, item, &format!("{path}[{i}]"))?;
                }
                Ok(())
            }
            other => mismatch(other),
        },
        Ty::Map(item) => match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    normalize(v, item, &join(path, k))?;
                }
                Ok(())
            }
            other => mismatch(other),
        },
        Ty::Object(fields) => match value {
            Value::Object(map) => {
                for key in map.keys() {
                    if !fields.iter().any(|f| f.name == key) {
                        return Err(format!("{}: unknown property", display_path(&join(path, key))));
                    }
                }
                for field in fields {
                    match map.get_mut(field.name) {
                        Some(Value::Null) | None => {
                            if let Some(default) = &field.default {
                                map.insert(field.name.to_string(), default.clone());
                            } else if field.required {
                                return Err(format!("{}: missing required property", display_path(&join(path, field.name))));
                            } else {
                                map.remove(field.name);
                            }
                        }
                        Some(v) => normalize(v, &field.ty, &join(path, field.name))?,
                    }
                }
                Ok(())
            }
            other => mismatch(other),
        },
        Ty::Json => Ok(()),
    }
}

/// Every known value that breaks its property's rule: `(path, problem)`. Unknown
/// values (not resolved yet) are skipped; the executor checks again once they are known.
pub fn problems(value: &Value, ty: &Ty) -> Vec<(String, String)> {
    let mut out = Vec::new();
    problems_into(value, ty, "", &mut out);
    out
}

fn problems_into(value: &Value, ty: &Ty, path: &str, out: &mut Vec<(String, String)>) {
    match (ty, value) {
        (Ty::Object(fields), Value::Object(map)) => {
            for f in fields {
                let Some(v) = map.get(f.name) else { continue };
                let here = join(path, f.name);
                if let Some(check) = &f.check {
                    let items: Vec<(String, &Value)> = match v {
                        Value::Array(items) => items.iter().enumerate().map(|(i, v)| (format!("{here}[{i}]"), v)).collect(),
                        v => vec![(here.clone(), v)],
                    };
                    for (p, item) in items.into_iter().filter(|(_, v)| !contains_unknown(v)) {
                        if let Err(e) = check.run(item) {
                            out.push((p, e));
                        }
                    }
                }
                problems_into(v, &f.ty, &here, out);
            }
        }
        (Ty::List(item), Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                problems_into(v, item, &format!("{path}[{i}]"), out);
            }
        }
        (Ty::Map(item), Value::Object(map)) => {
            for (k, v) in map {
                problems_into(v, item, &join(path, k), out);
            }
        }
        _ => {}
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() {
        "value"
    } else {
        path
    }
}

pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "table",
    }
}

/// Semantic equality: numbers by value (`1` equals `1.0`), a missing key equals null.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            let null = Value::Null;
            x.iter().all(|(k, v)| json_eq(v, y.get(k).unwrap_or(&null))) && y.iter().all(|(k, v)| json_eq(v, x.get(k).unwrap_or(&null)))
        }
        _ => a == b,
    }
}

/// One property that differs between two values.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Dotted path, e.g. `environment.AURORA_SECRET_ARN`.
    pub path: String,
    pub old: Value,
    pub new: Value,
    /// The change cannot be made in place.
    pub replace: bool,
}

/// Property-level differences from `old` to `new`, guided by the schema: objects and
/// maps are compared key by key, everything else as a whole.
pub fn diff(old: &Value, new: &Value, ty: &Ty) -> Vec<Change> {
    let mut out = Vec::new();
    diff_into(old, new, ty, "", false, &mut out);
    out
}

fn diff_into(old: &Value, new: &Value, ty: &Ty, path: &str, replace: bool, out: &mut Vec<Change>) {
    let null = Value::Null;
    match (ty, old, new) {
        (Ty::Object(fields), Value::Object(o), Value::Object(n)) => {
            for f in fields {
                let (a, b) = (o.get(f.name).unwrap_or(&null), n.get(f.name).unwrap_or(&null));
                diff_into(a, b, &f.ty, &join(path, f.name), replace || f.replace, out);
            }
        }
        (Ty::Map(item), Value::Object(o), Value::Object(n)) => {
            let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (a, b) = (o.get(k).unwrap_or(&null), n.get(k).unwrap_or(&null));
                diff_into(a, b, item, &join(path, k), replace, out);
            }
        }
        // Documents (policies, dashboards) are compared leaf by leaf so a plan shows the
        // one statement that changed, not the whole document.
        (Ty::Json, Value::Object(o), Value::Object(n)) => {
            let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (a, b) = (o.get(k).unwrap_or(&null), n.get(k).unwrap_or(&null));
                diff_into(a, b, &Ty::Json, &join(path, k), replace, out);
            }
        }
        (Ty::Json, Value::Array(o), Value::Array(n)) if o.len() == n.len() => {
            for (i, (a, b)) in o.iter().zip(n).enumerate() {
                diff_into(a, b, &Ty::Json, &format!("{path}[{i}]"), replace, out);
            }
        }
        _ => {
            if !json_eq(old, new) {
                out.push(Change { path: path.to_string(), old: old.clone(), new: new.clone(), replace });
            }
        }
    }
}

/// The outermost `immutable` field a path written by [`diff`] falls under
/// (`settings.usage` under an immutable `settings`), through objects, lists and maps.
pub fn immutable_at<'a>(ty: &'a Ty, path: &str) -> Option<&'a Field> {
    let mut ty = ty;
    for seg in path.split('.') {
        let key = seg.split('[').next().unwrap_or("");
        while let Ty::List(inner) | Ty::Map(inner) = ty {
            ty = inner;
        }
        let field = ty.field(key)?;
        if field.immutable {
            return Some(field);
        }
        ty = &field.ty;
    }
    None
}

/// Look a path written by [`diff`] up in a value: `a.b[2].c`.
pub fn lookup_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, seg| {
        let mut parts = seg.split('[');
        let key = parts.next().unwrap_or("");
        let mut cur = if key.is_empty() { v } else { v.as_object()?.get(key)? };
        for idx in parts {
            cur = cur.as_array()?.get(idx.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
        Some(cur)
    })
}

/// `v` with every value not yet known replaced by a stand-in of the right type (the
/// field's default, else empty), for the one use that needs typed properties before
/// everything is known: looking a resource up by its identity, which is known.
pub fn stand_in_unknowns(v: &Value, ty: &Ty) -> Value {
    match (v, ty) {
        (v, ty) if is_unknown(v) => empty_of(ty),
        (Value::Array(items), Ty::List(inner)) => Value::Array(items.iter().map(|i| stand_in_unknowns(i, inner)).collect()),
        (Value::Object(map), Ty::Map(inner)) => Value::Object(map.iter().map(|(k, i)| (k.clone(), stand_in_unknowns(i, inner))).collect()),
        (Value::Object(map), Ty::Object(fields)) => Value::Object(
            map.iter()
                .map(|(k, i)| {
                    let field = fields.iter().find(|f| f.name == k);
                    let value = match field {
                        Some(f) if is_unknown(i) => {
                            f.default.clone().unwrap_or_else(|| if f.required { empty_of(&f.ty) } else { Value::Null })
                        }
                        Some(f) => stand_in_unknowns(i, &f.ty),
                        None => i.clone(),
                    };
                    (k.clone(), value)
                })
                .collect(),
        ),
        (v, _) => v.clone(),
    }
}

/// An empty value of a type (`""`, `0`, `[]`, ...).
pub fn empty_of(ty: &Ty) -> Value {
    match ty {
        Ty::Str => Value::String(String::new()),
        Ty::Int => Value::from(0),
        Ty::Float => Value::from(0.0),
        Ty::Bool => Value::Bool(false),
        Ty::List(_) => Value::Array(Vec::new()),
        Ty::Map(_) | Ty::Json => Value::Object(Default::default()),
        Ty::Object(fields) => {
            Value::Object(fields.iter().map(|f| (f.name.to_string(), f.default.clone().unwrap_or_else(|| empty_of(&f.ty)))).collect())
        }
    }
}
