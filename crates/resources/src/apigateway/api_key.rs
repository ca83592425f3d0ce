//! `apigateway.api_key`: an API key. Its value is a secret: it is read from AWS when a
//! manifest uses it and never stored.

use async_trait::async_trait;
use aws_sdk_apigateway::types::{Op, PatchOperation};

use super::{live_tags, ours, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct ApiKeyProps {
        /// Renamed in place: the key keeps its value.
        name: String => required, check(Check::MaxLen(1024));
        description: Option<String> => optional, check(Check::MaxLen(1024));
        /// Whether the key works (`false` turns it off without deleting it). (`enabled` is the manifest's own switch for
        /// whether the resource exists at all.)
        active: bool => default(true);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct ApiKeyAttrs {
        name: String,
        /// The key itself: read from AWS when a manifest uses it, never stored.
        value: Option<String> => sensitive,
    }
}

pub struct ApiKey;

fn attrs(name: &str, value: Option<&str>) -> ApiKeyAttrs {
    ApiKeyAttrs { name: name.to_string(), value: value.map(str::to_string) }
}

#[async_trait]
impl Resource for ApiKey {
    type Props = ApiKeyProps;
    type Attrs = ApiKeyAttrs;
    const TYPE: &'static str = "apigateway.api_key";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest:
            "\n[resources.example]\ntype = \"apigateway.api_key\"\nname = \"conformance-key\"\ndescription = \"For the ingest API\"\n",
        updates: &["description = \"For the ingest API, changed\"", "active = false", "name = \"conformance-key-2\""],
        replace: None,
        skip: &[
            (crate::Skip::Tags, "moto has no API Gateway TagResource (it answers 404): tags are set at creation and read back, but changing them in place cannot be run here"),
            (crate::Skip::Replace, "every property of an API key changes in place"),
        ],
    };

    fn early(&self, p: &ApiKeyProps, _at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("name", p.name.clone())]
    }

    /// Key names need not be unique: the one this state created carries its tags.
    async fn find(&self, cx: &Ctx<'_>, p: &ApiKeyProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.apigateway().get_api_keys().name_query(&p.name).limit(500).send().await.api("GetApiKeys")?;
        Ok(out
            .items()
            .iter()
            .filter(|k| k.name() == Some(p.name.as_str()))
            .find(|k| ours(k.tags(), &p.tags))
            .and_then(|k| k.id())
            .map(str::to_string))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ApiKeyProps) -> Result<Created<ApiKeyAttrs>, ResourceError> {
        let out = cx
            .aws
            .apigateway()
            .create_api_key()
            .name(&p.name)
            .set_description(p.description.clone())
            .enabled(p.active)
            .set_tags(Some(p.tags.clone().into_iter().collect()))
            .send()
            .await
            .api("CreateApiKey")?;
        if let Some(v) = out.value() {
            crate::secrets::register(v);
        }
        Ok(Created::new(out.id().unwrap_or_default(), attrs(&p.name, out.value())))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, _p: &ApiKeyProps) -> Result<Option<Observed<ApiKeyProps, ApiKeyAttrs>>, ResourceError> {
        let out = cx
            .aws
            .apigateway()
            .get_api_key()
            .api_key(id)
            .include_value(true)
            .send()
            .await
            .found("GetApiKey", |e| e.is_not_found_exception())?;
        let Some(key) = out else { return Ok(None) };
        if let Some(v) = key.value() {
            crate::secrets::register(v);
        }
        let name = key.name().unwrap_or_default().to_string();
        let props = ApiKeyProps {
            name: name.clone(),
            description: key.description().map(str::to_string).filter(|d| !d.is_empty()),
            active: key.enabled(),
            tags: live_tags(key.tags()),
        };
        Ok(Some(Observed { props, attrs: attrs(&name, key.value()) }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &ApiKeyProps, new: &ApiKeyProps) -> Result<Option<ApiKeyAttrs>, ResourceError> {
        sync_tags(cx, &format!("/apikeys/{id}"), &old.tags, &new.tags).await?;
        let mut patch = Vec::new();
        if old.name != new.name {
            patch.push(PatchOperation::builder().op(Op::Replace).path("/name").value(&new.name).build());
        }
        if old.active != new.active {
            patch.push(PatchOperation::builder().op(Op::Replace).path("/enabled").value(new.active.to_string()).build());
        }
        if old.description != new.description {
            patch.push(
                PatchOperation::builder().op(Op::Replace).path("/description").value(new.description.clone().unwrap_or_default()).build(),
            );
        }
        if !patch.is_empty() {
            cx.aws.apigateway().update_api_key().api_key(id).set_patch_operations(Some(patch)).send().await.api("UpdateApiKey")?;
        }
        if old.name == new.name {
            return Ok(None);
        }
        // The name is an attribute. The value, unchanged, is returned with it: returned
        // attributes replace the recorded ones, and a dependent in this run reads it.
        let out = cx.aws.apigateway().get_api_key().api_key(id).include_value(true).send().await.api("GetApiKey")?;
        Ok(Some(attrs(&new.name, out.value())))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ApiKeyProps) -> Result<(), ResourceError> {
        cx.aws.apigateway().delete_api_key().api_key(id).send().await.found("DeleteApiKey", |e| e.is_not_found_exception())?;
        Ok(())
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.apigateway().get_api_keys().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("GetApiKeys")?.items().iter().filter_map(|k| k.id().map(str::to_string)));
        }
        Ok(out)
    }
}
