//! `sagemaker.endpoint_config`: how an endpoint serves a model; here serverless
//! inference (memory size, maximum concurrency). Immutable: changes replace it.

use async_trait::async_trait;
use aws_sdk_sagemaker::types::{ProductionVariant, ProductionVariantServerlessConfig};

use super::{live_tags, sdk_tags, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    /// Serverless inference settings.
    pub struct Serverless {
        /// 1024 to 6144, in steps of 1024.
        memory_size_mb: i64 => required, check(Check::OneOfInt(&[1024, 2048, 3072, 4096, 5120, 6144]));
        max_concurrency: i64 => required, check(Check::Range { min: 1, max: 200 });
    }
}

props! {
    pub struct EndpointConfigProps {
        name: String => required, replace, check(rules::SAGEMAKER);
        model_name: String => required, replace, check(rules::SAGEMAKER);
        variant_name: String => default("AllTraffic"), replace, check(rules::SAGEMAKER);
        serverless: Serverless => required, replace;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct EndpointConfigAttrs {
        name: String,
        arn: String,
    }
}

pub struct EndpointConfig;

async fn exists(cx: &Ctx<'_>, name: &str) -> Result<bool, ResourceError> {
    let out = cx.aws.sagemaker().list_endpoint_configs().name_contains(name).max_results(100).send().await.api("ListEndpointConfigs")?;
    Ok(out.endpoint_configs().iter().any(|c| c.endpoint_config_name() == Some(name)))
}

#[async_trait]
impl Resource for EndpointConfig {
    type Props = EndpointConfigProps;
    type Attrs = EndpointConfigAttrs;
    const TYPE: &'static str = "sagemaker.endpoint_config";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.role]
type = "iam.role"
name = "conformance-config-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "sagemaker.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.model]
type = "sagemaker.model"
name = "conformance-config-model"
execution_role_arn = "${resources.role.arn}"
image = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:2.0.0-transformers4.28.1-cpu-py310-ubuntu20.04"

[resources.example]
type = "sagemaker.endpoint_config"
name = "conformance-config"
model_name = "${resources.model.name}"
serverless = { memory_size_mb = 3072, max_concurrency = 2 }
"#,
        updates: &[],
        replace: Some("serverless = { memory_size_mb = 4096, max_concurrency = 2 }"),
        skip: &[],
    };

    fn early(&self, p: &EndpointConfigProps, _at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("id", p.name.clone()), ("name", p.name.clone())]
    }

    async fn find(&self, cx: &Ctx<'_>, p: &EndpointConfigProps) -> Result<Option<String>, ResourceError> {
        Ok(exists(cx, &p.name).await?.then(|| p.name.clone()))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &EndpointConfigProps) -> Result<Created<EndpointConfigAttrs>, ResourceError> {
        let variant = ProductionVariant::builder()
            .variant_name(&p.variant_name)
            .model_name(&p.model_name)
            .serverless_config(
                ProductionVariantServerlessConfig::builder()
                    .memory_size_in_mb(p.serverless.memory_size_mb as i32)
                    .max_concurrency(p.serverless.max_concurrency as i32)
                    .build(),
            )
            .build();
        let tags = sdk_tags(&p.tags);
        let out = cx
            .aws
            .sagemaker()
            .create_endpoint_config()
            .endpoint_config_name(&p.name)
            .production_variants(variant)
            .set_tags(Some(tags))
            .send()
            .await
            .api("CreateEndpointConfig")?;
        let arn = out.endpoint_config_arn().unwrap_or_default().to_string();
        Ok(Created::new(&p.name, EndpointConfigAttrs { name: p.name.clone(), arn }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &EndpointConfigProps,
    ) -> Result<Option<Observed<EndpointConfigProps, EndpointConfigAttrs>>, ResourceError> {
        if !exists(cx, id).await? {
            return Ok(None);
        }
        let c = cx.aws.sagemaker().describe_endpoint_config().endpoint_config_name(id).send().await.api("DescribeEndpointConfig")?;
        let v = c.production_variants().first();
        let serverless = v.and_then(|v| v.serverless_config());
        let props = EndpointConfigProps {
            name: id.to_string(),
            model_name: v.and_then(|v| v.model_name()).unwrap_or_default().to_string(),
            variant_name: v.and_then(|v| v.variant_name()).unwrap_or(&p.variant_name).to_string(),
            serverless: Serverless {
                memory_size_mb: serverless.and_then(|s| s.memory_size_in_mb()).map(i64::from).unwrap_or_default(),
                max_concurrency: serverless.and_then(|s| s.max_concurrency()).map(i64::from).unwrap_or_default(),
            },
            tags: live_tags(cx, c.endpoint_config_arn().unwrap_or_default()).await?,
        };
        Ok(Some(Observed {
            props,
            attrs: EndpointConfigAttrs { name: id.to_string(), arn: c.endpoint_config_arn().unwrap_or_default().to_string() },
        }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.sagemaker().list_endpoint_configs().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListEndpointConfigs")?;
            out.extend(page.endpoint_configs().iter().filter_map(|c| c.endpoint_config_name()).map(str::to_string));
        }
        Ok(out)
    }

    /// Only tags change in place: endpoint configs are immutable.
    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &EndpointConfigProps,
        new: &EndpointConfigProps,
    ) -> Result<Option<EndpointConfigAttrs>, ResourceError> {
        sync_tags(cx, &cx.arn("sagemaker", true, &format!("endpoint-config/{}", id.to_lowercase())).await?, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &EndpointConfigProps) -> Result<(), ResourceError> {
        if exists(cx, id).await? {
            cx.aws.sagemaker().delete_endpoint_config().endpoint_config_name(id).send().await.api("DeleteEndpointConfig")?;
        }
        Ok(())
    }
}
