//! Object-safe views of [`Resource`] and [`DataSource`] that work on JSON property
//! values, so the planner and executor can hold any type behind one pointer.

use async_trait::async_trait;
use serde_json::Value;

use super::{
    attr_map, Attr, AttrSet, Attrs, Caller, Contents, Ctx, DataSource, Example, Identity, Outcome, Peers, PrepareCx, Problem, Resource,
    ResourceError,
};
use crate::schema::{PropType, Ty};

#[async_trait]
pub trait DynResource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Ty;
    fn attributes(&self) -> &'static [Attr];
    fn identity(&self) -> Identity;
    /// An update makes a new version with new attributes (see [`Resource::VERSIONED`]).
    fn versioned(&self) -> bool;
    /// The attributes an update from `old` to `new` changes (see
    /// [`Resource::updated_attrs`]); values not known yet stand in as empty ones.
    fn updated_attrs(&self, old: &Value, new: &Value) -> &'static [&'static str];
    fn example(&self) -> &'static Example;
    /// AWS tags this type: the merged `tags` property is written, read back and compared.
    fn taggable(&self) -> bool {
        self.schema().field("tags").is_some()
    }
    /// Rules spanning properties, once what they read is known (see
    /// [`Resource::CHECK_READS`]); none while it is not.
    fn check(&self, props: &Value) -> Vec<Problem>;
    /// Rules spanning resources (see [`Resource::check_peers`]), on the same terms.
    fn check_peers(&self, props: &Value, peers: &dyn Peers) -> Vec<Problem>;
    /// Attributes known from the properties before the resource exists (see
    /// [`Resource::early`]); none while a value they need is still unknown.
    fn early(&self, props: &Value, at: &Caller) -> Attrs;
    /// Attributes that follow from the properties (see [`Resource::more_attributes`]);
    /// values not known yet stand in as empty ones.
    fn more_attributes(&self, props: &Value) -> Vec<String>;
    /// Whether `change` replaces the resource although the schema says in place (see
    /// [`Resource::forces_replace`]).
    fn forces_replace(&self, props: &Value, change: &crate::schema::Change) -> bool;
    fn prepare(&self, props: &mut Value, cx: &PrepareCx<'_>) -> Result<(), ResourceError>;
    async fn create(&self, cx: &Ctx<'_>, props: &Value) -> Result<Outcome, ResourceError>;
    async fn find(&self, cx: &Ctx<'_>, props: &Value) -> Result<Option<String>, ResourceError>;
    async fn settle(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<(), ResourceError>;
    async fn read(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<Option<(Value, Attrs)>, ResourceError>;
    /// `None`: the recorded attributes stand.
    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &Value, new: &Value) -> Result<Option<Attrs>, ResourceError>;
    async fn delete(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<(), ResourceError>;
    /// Every resource of the type, by physical id (see [`Resource::list`]).
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError>;
    /// The data a delete would take with it (see [`Resource::contents`]).
    async fn contents(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<Option<Contents>, ResourceError>;

    /// Properties to read a resource with when only its id is known (discover, import
    /// from Terraform): the defaults, empty values for the other required properties,
    /// and the id's last segment in the identity property.
    fn blank(&self, id: &str) -> Value {
        let Ty::Object(fields) = self.schema() else { return Value::Object(serde_json::Map::new()) };
        let mut out = serde_json::Map::new();
        for f in &fields {
            let v = match (&f.default, f.required) {
                (Some(d), _) => d.clone(),
                (None, true) => crate::schema::empty_of(&f.ty),
                (None, false) => continue,
            };
            out.insert(f.name.to_string(), v);
        }
        // Only text fields take the id's segment: a number (a listener's port) would no
        // longer parse, and keeps its default or empty value.
        let text = |name: &str| fields.iter().any(|f| f.name == name && matches!(f.ty, Ty::Str));
        for field in self.identity().fields().iter().filter(|f| text(f)) {
            out.insert(field.to_string(), Value::String(id.rsplit('/').next().unwrap_or(id).to_string()));
        }
        Value::Object(out)
    }
}

fn typed<P: serde::de::DeserializeOwned>(type_name: &str, v: &Value) -> Result<P, ResourceError> {
    serde_json::from_value(v.clone()).map_err(|e| ResourceError::Invalid(format!("invalid {type_name} properties: {e}")))
}

/// The typed properties the rules of `R` may see: the value when it is fully known;
/// else, when every property the rules read is known, the value with stand-ins for the
/// rest (read by nobody, there only so that the typed view exists); else none.
fn checkable<R: Resource>(props: &Value) -> Option<R::Props> {
    if !crate::schema::contains_unknown(props) {
        return typed(R::TYPE, props).ok();
    }
    let reads = R::CHECK_READS;
    if reads.is_empty() || reads.iter().any(|f| props.get(*f).is_some_and(crate::schema::contains_unknown)) {
        return None;
    }
    typed(R::TYPE, &crate::schema::stand_in_unknowns(props, &R::Props::ty())).ok()
}

/// Properties as JSON; optional fields left empty are absent, as in a manifest.
fn json<P: serde::Serialize>(p: &P) -> Result<Value, ResourceError> {
    let mut v = serde_json::to_value(p).map_err(|e| ResourceError::Invalid(format!("cannot encode properties: {e}")))?;
    if let Value::Object(map) = &mut v {
        map.retain(|_, v| !v.is_null());
    }
    Ok(v)
}

#[async_trait]
impl<R: Resource> DynResource for R {
    fn type_name(&self) -> &'static str {
        R::TYPE
    }

    fn schema(&self) -> Ty {
        R::Props::ty()
    }

    fn attributes(&self) -> &'static [Attr] {
        <R::Attrs as AttrSet>::LIST
    }

    fn identity(&self) -> Identity {
        R::IDENTITY
    }

    fn versioned(&self) -> bool {
        R::VERSIONED
    }

    fn updated_attrs(&self, old: &Value, new: &Value) -> &'static [&'static str] {
        let new = crate::schema::stand_in_unknowns(new, &R::Props::ty());
        match (typed::<R::Props>(R::TYPE, old), typed::<R::Props>(R::TYPE, &new)) {
            (Ok(old), Ok(new)) => Resource::updated_attrs(self, &old, &new),
            _ => &[],
        }
    }

    fn example(&self) -> &'static Example {
        &R::EXAMPLE
    }

    fn check(&self, props: &Value) -> Vec<Problem> {
        checkable::<R>(props).map(|p| Resource::check(self, &p)).unwrap_or_default()
    }

    fn check_peers(&self, props: &Value, peers: &dyn Peers) -> Vec<Problem> {
        checkable::<R>(props).map(|p| Resource::check_peers(self, &p, peers)).unwrap_or_default()
    }

    fn early(&self, props: &Value, at: &Caller) -> Attrs {
        let Ok(p) = typed::<R::Props>(R::TYPE, props) else { return Attrs::new() };
        Resource::early(self, &p, at)
            .into_iter()
            .filter(|(_, v)| !v.contains(crate::schema::UNKNOWN))
            .map(|(k, v)| (k.to_string(), Value::String(v)))
            .collect()
    }

    fn more_attributes(&self, props: &Value) -> Vec<String> {
        let props = crate::schema::stand_in_unknowns(props, &R::Props::ty());
        typed::<R::Props>(R::TYPE, &props).map(|p| Resource::more_attributes(self, &p)).unwrap_or_default()
    }

    fn forces_replace(&self, props: &Value, change: &crate::schema::Change) -> bool {
        let props = crate::schema::stand_in_unknowns(props, &R::Props::ty());
        typed::<R::Props>(R::TYPE, &props).is_ok_and(|p| Resource::forces_replace(self, &p, change))
    }

    fn prepare(&self, props: &mut Value, cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        let mut p: R::Props = typed(R::TYPE, props)?;
        Resource::prepare(self, &mut p, cx)?;
        *props = json(&p)?;
        Ok(())
    }

    async fn create(&self, cx: &Ctx<'_>, props: &Value) -> Result<Outcome, ResourceError> {
        let created = Resource::create(self, cx, &typed(R::TYPE, props)?).await?;
        if created.id.is_empty() {
            // An empty id names nothing: refused here rather than recorded.
            return Err(ResourceError::Invalid(format!("AWS answered the create of a {} without its id", R::TYPE)));
        }
        Ok(Outcome { attrs: attr_map(&created.id, &created.attrs), id: created.id })
    }

    async fn find(&self, cx: &Ctx<'_>, props: &Value) -> Result<Option<String>, ResourceError> {
        // Only the identity must be known; other values may still be on their way.
        let props = crate::schema::stand_in_unknowns(props, &DynResource::schema(self));
        Resource::find(self, cx, &typed(R::TYPE, &props)?).await
    }

    async fn settle(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<(), ResourceError> {
        Resource::settle(self, cx, id, &typed(R::TYPE, props)?).await
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<Option<(Value, Attrs)>, ResourceError> {
        let observed = Resource::read(self, cx, id, &typed(R::TYPE, props)?).await?;
        observed.map(|o| Ok((json(&o.props)?, attr_map(id, &o.attrs)))).transpose()
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &Value, new: &Value) -> Result<Option<Attrs>, ResourceError> {
        let attrs = Resource::update(self, cx, id, &typed(R::TYPE, old)?, &typed(R::TYPE, new)?).await?;
        Ok(attrs.map(|a| attr_map(id, &a)))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        Resource::list(self, cx).await
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<(), ResourceError> {
        Resource::delete(self, cx, id, &typed(R::TYPE, props)?).await
    }

    async fn contents(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<Option<Contents>, ResourceError> {
        Resource::contents(self, cx, id, &typed(R::TYPE, props)?).await
    }
}

#[async_trait]
pub trait DynDataSource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Ty;
    fn attributes(&self) -> &'static [Attr];
    fn example(&self) -> &'static str;
    async fn read(&self, cx: &Ctx<'_>, props: &Value) -> Result<Attrs, ResourceError>;
}

#[async_trait]
impl<D: DataSource> DynDataSource for D {
    fn type_name(&self) -> &'static str {
        D::TYPE
    }

    fn schema(&self) -> Ty {
        D::Props::ty()
    }

    /// A lookup has no physical id of its own: its attributes are exactly its fields.
    fn attributes(&self) -> &'static [Attr] {
        &<D::Attrs as AttrSet>::LIST[1..]
    }

    fn example(&self) -> &'static str {
        D::EXAMPLE
    }

    async fn read(&self, cx: &Ctx<'_>, props: &Value) -> Result<Attrs, ResourceError> {
        let attrs = DataSource::read(self, cx, &typed(D::TYPE, props)?).await?;
        match json(&attrs)? {
            Value::Object(map) => Ok(map),
            _ => Ok(Attrs::new()),
        }
    }
}
