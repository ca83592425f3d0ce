//! Object-safe views of [`Resource`] and [`DataSource`] that work on JSON property
//! values, so the planner and executor can hold any type behind one pointer.

use async_trait::async_trait;
use serde_json::Value;

use super::{Attr, Attrs, Ctx, DataSource, Outcome, PrepareCx, Resource, ResourceError};
use crate::schema::{PropType, Ty};

#[async_trait]
pub trait DynResource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Ty;
    fn attributes(&self) -> &'static [Attr];
    fn prepare(&self, props: &mut Value, cx: &PrepareCx<'_>) -> Result<(), ResourceError>;
    async fn create(&self, cx: &Ctx<'_>, props: &Value) -> Result<Outcome, ResourceError>;
    async fn find(&self, cx: &Ctx<'_>, props: &Value) -> Result<Option<String>, ResourceError>;
    async fn settle(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<(), ResourceError>;
    async fn read(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<Option<(Value, Attrs)>, ResourceError>;
    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &Value, new: &Value) -> Result<Outcome, ResourceError>;
    async fn delete(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<(), ResourceError>;
}

fn typed<P: serde::de::DeserializeOwned>(type_name: &str, v: &Value) -> Result<P, ResourceError> {
    serde_json::from_value(v.clone()).map_err(|e| ResourceError::Invalid(format!("invalid {type_name} properties: {e}")))
}

fn json<P: serde::Serialize>(p: &P) -> Result<Value, ResourceError> {
    serde_json::to_value(p).map_err(|e| ResourceError::Invalid(format!("cannot encode properties: {e}")))
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
        R::ATTRIBUTES
    }

    fn prepare(&self, props: &mut Value, cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        let mut p: R::Props = typed(R::TYPE, props)?;
        Resource::prepare(self, &mut p, cx)?;
        *props = json(&p)?;
        // Optional fields the type left empty are absent, as in the manifest.
        if let Value::Object(map) = props {
            map.retain(|_, v| !v.is_null());
        }
        Ok(())
    }

    async fn create(&self, cx: &Ctx<'_>, props: &Value) -> Result<Outcome, ResourceError> {
        Resource::create(self, cx, &typed(R::TYPE, props)?).await
    }

    async fn find(&self, cx: &Ctx<'_>, props: &Value) -> Result<Option<String>, ResourceError> {
        Resource::find(self, cx, &typed(R::TYPE, props)?).await
    }

    async fn settle(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<(), ResourceError> {
        Resource::settle(self, cx, id, &typed(R::TYPE, props)?).await
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<Option<(Value, Attrs)>, ResourceError> {
        let observed = Resource::read(self, cx, id, &typed(R::TYPE, props)?).await?;
        observed
            .map(|o| {
                let mut v = json(&o.props)?;
                if let Value::Object(map) = &mut v {
                    map.retain(|_, v| !v.is_null());
                }
                Ok((v, o.attrs))
            })
            .transpose()
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &Value, new: &Value) -> Result<Outcome, ResourceError> {
        Resource::update(self, cx, id, &typed(R::TYPE, old)?, &typed(R::TYPE, new)?).await
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, props: &Value) -> Result<(), ResourceError> {
        Resource::delete(self, cx, id, &typed(R::TYPE, props)?).await
    }
}

#[async_trait]
pub trait DynDataSource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Ty;
    fn attributes(&self) -> &'static [Attr];
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

    fn attributes(&self) -> &'static [Attr] {
        D::ATTRIBUTES
    }

    async fn read(&self, cx: &Ctx<'_>, props: &Value) -> Result<Attrs, ResourceError> {
        DataSource::read(self, cx, &typed(D::TYPE, props)?).await
    }
}
