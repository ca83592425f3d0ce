//! `apigateway.api_key`: an API key. Its value is a secret: it is read from AWS when a
//! manifest uses it and never stored.

use async_trait::async_trait;
use aws_sdk_apigateway::types::{Op, PatchOperation};

use super::{attr, attr_sensitive, Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    pub struct ApiKeyProps {
        name: String => required, replace;
        description: Option<String> => optional;
        enabled: bool => default(true);
    }
}

pub struct ApiKey;

fn outcome(id: &str, name: &str, value: Option<&str>) -> Outcome {
    let out = Outcome::new(id).with("name", name);
    match value {
        Some(v) => out.with("value", v),
        None => out,
    }
}

#[async_trait]
impl Resource for ApiKey {
    type Props = ApiKeyProps;
    const TYPE: &'static str = "apigateway.api_key";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("name"), attr_sensitive("value")];

    async fn find(&self, cx: &Ctx<'_>, p: &ApiKeyProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.apigateway().get_api_keys().name_query(&p.name).limit(500).send().await.api("GetApiKeys")?;
        Ok(out
            .items()
            .iter()
            .filter(|k| k.name() == Some(p.name.as_str()))
            .find(|k| k.tags().is_none_or(|t| t.get("infra:resource").is_none_or(|r| r == cx.name)))
            .and_then(|k| k.id())
            .map(str::to_string))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ApiKeyProps) -> Result<Outcome, ResourceError> {
        let out = cx
            .aws
            .apigateway()
            .create_api_key()
            .name(&p.name)
            .set_description(p.description.clone())
            .enabled(p.enabled)
            .set_tags(Some(super::tag_map(cx)))
            .send()
            .await
            .api("CreateApiKey")?;
        if let Some(v) = out.value() {
            crate::secrets::register(v);
        }
        Ok(outcome(out.id().unwrap_or_default(), &p.name, out.value()))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, _p: &ApiKeyProps) -> Result<Option<Observed<ApiKeyProps>>, ResourceError> {
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
            enabled: key.enabled(),
        };
        Ok(Some(Observed { props, attrs: outcome(id, &name, key.value()).attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &ApiKeyProps, new: &ApiKeyProps) -> Result<Outcome, ResourceError> {
        let mut patch = Vec::new();
        if old.enabled != new.enabled {
            patch.push(PatchOperation::builder().op(Op::Replace).path("/enabled").value(new.enabled.to_string()).build());
        }
        if old.description != new.description {
            patch.push(
                PatchOperation::builder().op(Op::Replace).path("/description").value(new.description.clone().unwrap_or_default()).build(),
            );
        }
        if !patch.is_empty() {
            cx.aws.apigateway().update_api_key().api_key(id).set_patch_operations(Some(patch)).send().await.api("UpdateApiKey")?;
        }
        Ok(Outcome::new(id))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ApiKeyProps) -> Result<(), ResourceError> {
        cx.aws.apigateway().delete_api_key().api_key(id).send().await.found("DeleteApiKey", |e| e.is_not_found_exception())?;
        Ok(())
    }
}
