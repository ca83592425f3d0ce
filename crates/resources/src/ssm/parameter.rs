//! `ssm.parameter`: a Parameter Store parameter (`String`, `StringList` or
//! `SecureString`). Every property but the name changes in place (a new version of the
//! parameter). A `SecureString`'s value is a secret: registered for masking the moment
//! infra sees it, so the state, the plan and every printed line carry a token instead,
//! and read back only as that token (a change made outside infra still shows as drift).

use async_trait::async_trait;
use aws_sdk_ssm::types::{ParameterStringFilter, ParameterTier, ParameterType, ResourceTypeForTagging, Tag};

use crate::aws::SdkResultExt;
use crate::schema::check::Chars;
use crate::schema::{Check, UNKNOWN};
use crate::tags::{self, Tags};
use crate::{attrs, props, secrets};
use crate::{Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct ParameterProps {
        /// The name; a path (`/app/db/url`) groups parameters.
        name: String => required, replace, check(Check::Name { what: "parameter name", min: 1, max: 2048, chars: Chars::Any });
        /// `String`, `StringList` (comma-separated) or `SecureString` (encrypted with KMS, never stored by infra).
        parameter_type: String => required, check(Check::OneOf(&["String", "StringList", "SecureString"]));
        /// The value. For a `SecureString`, pass it in from a `sensitive = true` variable.
        value: String => required;
        description: Option<String> => optional, check(Check::MaxLen(1024));
        /// `Standard` (free, 4 KB), `Advanced` (charged, 8 KB) or `Intelligent-Tiering`
        /// (Advanced only when the value needs it). Back from Advanced to Standard
        /// re-creates the parameter (AWS cannot downgrade one; its history of values goes).
        tier: String => default("Standard"), check(Check::OneOf(&["Standard", "Advanced", "Intelligent-Tiering"]));
        /// A regular expression every value must match.
        allowed_pattern: Option<String> => optional, check(Check::MaxLen(1024));
        /// `text`, or `aws:ec2:image` (AWS checks the value is an AMI id).
        data_type: String => default("text"), check(Check::OneOf(&["text", "aws:ec2:image"]));
        /// `SecureString` only: the KMS key (id, ARN or alias) encrypting it; AWS's own (`alias/aws/ssm`) when absent.
        key_id: Option<String> => optional;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct ParameterAttrs {
        name: String,
        arn: String,
    }
}

pub struct Parameter;

const SECURE: &str = "SecureString";

fn arn(partition: &str, region: &str, account: &str, name: &str) -> String {
    // A path keeps its leading `/`, which then separates `parameter` from it.
    let sep = if name.starts_with('/') { "" } else { "/" };
    format!("arn:{partition}:ssm:{region}:{account}:parameter{sep}{name}")
}

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ResourceError> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(ResourceError::from)).collect()
}

/// A SecureString's value is masked wherever it would be stored or printed.
fn protect(p: &ParameterProps) {
    if p.parameter_type == SECURE && !p.value.contains(UNKNOWN) {
        secrets::register(&p.value);
    }
}

async fn put(cx: &Ctx<'_>, p: &ParameterProps, overwrite: bool) -> Result<(), ResourceError> {
    protect(p);
    let req = cx
        .aws
        .ssm()
        .put_parameter()
        .name(&p.name)
        .value(&p.value)
        .r#type(ParameterType::from(p.parameter_type.as_str()))
        .tier(ParameterTier::from(p.tier.as_str()))
        .data_type(&p.data_type)
        .set_key_id(p.key_id.clone().filter(|_| p.parameter_type == SECURE))
        .overwrite(overwrite);
    // PutParameter keeps the previous description and pattern when none is sent, and
    // refuses tags with `overwrite`: an update clears them explicitly, tags separately.
    let req = if overwrite {
        req.description(p.description.clone().unwrap_or_default()).allowed_pattern(p.allowed_pattern.clone().unwrap_or_default())
    } else {
        req.set_description(p.description.clone()).set_allowed_pattern(p.allowed_pattern.clone()).set_tags(Some(sdk_tags(&p.tags)?))
    };
    req.send().await.api("PutParameter")?;
    Ok(())
}

#[async_trait]
impl Resource for Parameter {
    type Props = ParameterProps;
    type Attrs = ParameterAttrs;
    const TYPE: &'static str = "ssm.parameter";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "ssm.parameter"
name = "/conformance/app/endpoint"
parameter_type = "String"
value = "https://api.example.com"
description = "Where the app calls"
"#,
        updates: &[
            "value = \"https://api.example.com/v2\"",
            "description = \"Where the app calls, changed\"",
            "allowed_pattern = \"^https://.*\"",
            "tier = \"Advanced\"",
        ],
        replace: Some("name = \"/conformance/app/endpoint-2\""),
        skip: &[],
    };

    fn early(&self, p: &ParameterProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("id", p.name.clone()), ("name", p.name.clone()), ("arn", arn(&at.partition, &at.region, &at.account_id, &p.name))]
    }

    const CHECK_READS: &'static [&'static str] = &["parameter_type", "value", "key_id"];

    fn check(&self, p: &ParameterProps) -> Vec<Problem> {
        if p.parameter_type != SECURE && p.key_id.is_some() {
            return vec![("key_id".into(), format!("only a SecureString is encrypted: `key_id` needs `parameter_type = \"{SECURE}\"`"))];
        }
        // Shorter values are not masked (they would blank out ordinary words), so they
        // could reach the state: refused rather than stored.
        if p.parameter_type == SECURE && p.value.chars().count() < 6 {
            return vec![(
                "value".into(),
                "a SecureString's value must be at least 6 characters for infra to keep it out of the state".into(),
            )];
        }
        Vec::new()
    }

    fn prepare(&self, p: &mut ParameterProps, _cx: &crate::PrepareCx<'_>) -> Result<(), ResourceError> {
        protect(p);
        Ok(())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ParameterProps) -> Result<Created<ParameterAttrs>, ResourceError> {
        put(cx, p, false).await?;
        let caller = cx.aws.identity().await?;
        let arn = arn(&caller.partition, cx.aws.region(), &caller.account_id, &p.name);
        Ok(Created::new(&p.name, ParameterAttrs { name: p.name.clone(), arn }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &ParameterProps,
    ) -> Result<Option<Observed<ParameterProps, ParameterAttrs>>, ResourceError> {
        let ssm = cx.aws.ssm();
        let got = ssm.get_parameter().name(id).with_decryption(true).send().await.found("GetParameter", |e| e.is_parameter_not_found())?;
        let Some(param) = got.and_then(|o| o.parameter) else { return Ok(None) };
        let filter = ParameterStringFilter::builder().key("Name").option("Equals").values(id).build()?;
        let described = ssm.describe_parameters().parameter_filters(filter).send().await.api("DescribeParameters")?;
        let meta = described.parameters().iter().find(|m| m.name() == Some(id));
        let tag_list = ssm
            .list_tags_for_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(id)
            .send()
            .await
            .api("ListTagsForResource")?;
        let parameter_type = param.r#type().map(|t| t.as_str().to_string()).unwrap_or_else(|| p.parameter_type.clone());
        let mut value = param.value().unwrap_or_default().to_string();
        if parameter_type == SECURE {
            // Only ever as its token: the plaintext reaches neither a caller nor a manifest
            // that discovery writes.
            secrets::register(&value);
            value = secrets::token(&value);
        }
        let tier = meta.and_then(|m| m.tier()).map(|t| t.as_str().to_string()).unwrap_or_else(|| p.tier.clone());
        let props = ParameterProps {
            name: id.to_string(),
            value,
            description: meta.and_then(|m| m.description()).filter(|d| !d.is_empty()).map(str::to_string),
            // Intelligent-Tiering is a choice AWS reports as the tier it chose.
            tier: if p.tier == "Intelligent-Tiering" { p.tier.clone() } else { tier },
            allowed_pattern: meta.and_then(|m| m.allowed_pattern()).filter(|d| !d.is_empty()).map(str::to_string),
            data_type: param.data_type().unwrap_or(&p.data_type).to_string(),
            // No key reported, or AWS's own, is what an absent `key_id` means.
            key_id: meta.and_then(|m| m.key_id()).filter(|k| parameter_type == SECURE && *k != "alias/aws/ssm").map(str::to_string),
            parameter_type,
            tags: tags::live(tag_list.tag_list().iter().map(|t| (t.key(), t.value()))),
        };
        let arn = param.arn().unwrap_or_default().to_string();
        Ok(Some(Observed { props, attrs: ParameterAttrs { name: id.to_string(), arn } }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &ParameterProps,
        new: &ParameterProps,
    ) -> Result<Option<ParameterAttrs>, ResourceError> {
        let ssm = cx.aws.ssm();
        // AWS moves a parameter up to Advanced in place but never back: down is delete
        // and create (the history of values goes with it).
        if old.tier == "Advanced" && new.tier == "Standard" {
            self.delete(cx, id, old).await?;
            put(cx, new, false).await?;
            return Ok(None);
        }
        if tags::changed_besides_tags(old, new, |p| &mut p.tags) {
            put(cx, new, true).await?;
        }
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() {
            let req = ssm.add_tags_to_resource().resource_type(ResourceTypeForTagging::Parameter).resource_id(id);
            req.set_tags(Some(sdk_tags(&set)?)).send().await.api("AddTagsToResource")?;
        }
        if !remove.is_empty() {
            let req = ssm.remove_tags_from_resource().resource_type(ResourceTypeForTagging::Parameter).resource_id(id);
            req.set_tag_keys(Some(remove)).send().await.api("RemoveTagsFromResource")?;
        }
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ParameterProps) -> Result<(), ResourceError> {
        cx.aws.ssm().delete_parameter().name(id).send().await.found("DeleteParameter", |e| e.is_parameter_not_found())?;
        Ok(())
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.ssm().describe_parameters().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("DescribeParameters")?.parameters().iter().filter_map(|m| m.name().map(str::to_string)));
        }
        Ok(out)
    }
}
