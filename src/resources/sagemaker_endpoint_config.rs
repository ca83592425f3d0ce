//! `sagemaker.endpoint_config`: how an endpoint serves a model; here serverless
//! inference (memory size, maximum concurrency). Immutable: changes replace it.

use async_trait::async_trait;
use aws_sdk_sagemaker::types::{ProductionVariant, ProductionVariantServerlessConfig, Tag};

use super::{attr, Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    /// Serverless inference settings.
    pub struct Serverless {
        memory_size_mb: i64 => required;
        max_concurrency: i64 => required;
    }
}

props! {
    pub struct EndpointConfigProps {
        name: String => required, replace;
        model_name: String => required, replace;
        variant_name: String => default("AllTraffic"), replace;
        serverless: Serverless => required, replace;
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
    const TYPE: &'static str = "sagemaker.endpoint_config";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("name"), attr("arn")];

    fn natural_id(&self, p: &EndpointConfigProps) -> Option<String> {
        Some(p.name.clone())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &EndpointConfigProps) -> Result<Outcome, ResourceError> {
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
        let tags = cx.tags().into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
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
        Ok(Outcome::new(&p.name).with("name", p.name.as_str()).with("arn", out.endpoint_config_arn().unwrap_or_default()))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &EndpointConfigProps) -> Result<Option<Observed<EndpointConfigProps>>, ResourceError> {
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
        };
        let attrs = Outcome::new(id).with("name", id).with("arn", c.endpoint_config_arn().unwrap_or_default()).attrs;
        Ok(Some(Observed { props, attrs }))
    }

    async fn update(
        &self,
        _cx: &Ctx<'_>,
        id: &str,
        _old: &EndpointConfigProps,
        _new: &EndpointConfigProps,
    ) -> Result<Outcome, ResourceError> {
        Ok(Outcome::new(id))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &EndpointConfigProps) -> Result<(), ResourceError> {
        if exists(cx, id).await? {
            cx.aws.sagemaker().delete_endpoint_config().endpoint_config_name(id).send().await.api("DeleteEndpointConfig")?;
        }
        Ok(())
    }
}
