//! `sagemaker.endpoint`: a hosted endpoint serving an endpoint config. Creating one
//! takes minutes on AWS; creates, updates and deletes wait for it to settle.

use async_trait::async_trait;
use aws_sdk_sagemaker::types::{EndpointStatus, Tag};

use super::{attr, Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    pub struct EndpointProps {
        name: String => required, replace;
        endpoint_config_name: String => required;
    }
}

pub struct Endpoint;

/// Status and ARN, or `None` when the endpoint does not exist.
async fn status(cx: &Ctx<'_>, name: &str) -> Result<Option<(EndpointStatus, String, String)>, ResourceError> {
    let out = cx.aws.sagemaker().list_endpoints().name_contains(name).max_results(100).send().await.api("ListEndpoints")?;
    if !out.endpoints().iter().any(|e| e.endpoint_name() == Some(name)) {
        return Ok(None);
    }
    let e = cx.aws.sagemaker().describe_endpoint().endpoint_name(name).send().await.api("DescribeEndpoint")?;
    if e.endpoint_status() == Some(&EndpointStatus::Failed) {
        return Err(ResourceError::Invalid(format!("endpoint {name} failed: {}", e.failure_reason().unwrap_or("no reason given"))));
    }
    Ok(Some((
        e.endpoint_status().cloned().unwrap_or(EndpointStatus::Creating),
        e.endpoint_arn().unwrap_or_default().to_string(),
        e.endpoint_config_name().unwrap_or_default().to_string(),
    )))
}

async fn wait_in_service(cx: &Ctx<'_>, name: &str) -> Result<Outcome, ResourceError> {
    cx.wait_for("endpoint to be in service", || async {
        match status(cx, name).await? {
            None => Err(ResourceError::Invalid(format!("endpoint {name} disappeared while waiting"))),
            Some((EndpointStatus::InService, arn, _)) => Ok(Some(Outcome::new(name).with("name", name).with("arn", arn))),
            Some(_) => Ok(None),
        }
    })
    .await
}

#[async_trait]
impl Resource for Endpoint {
    type Props = EndpointProps;
    const TYPE: &'static str = "sagemaker.endpoint";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("name"), attr("arn")];

    fn natural_id(&self, p: &EndpointProps) -> Option<String> {
        Some(p.name.clone())
    }

    async fn settle(&self, cx: &Ctx<'_>, id: &str, _p: &EndpointProps) -> Result<(), ResourceError> {
        wait_in_service(cx, id).await.map(|_| ())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &EndpointProps) -> Result<Outcome, ResourceError> {
        let tags = cx.tags().into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        cx.aws
            .sagemaker()
            .create_endpoint()
            .endpoint_name(&p.name)
            .endpoint_config_name(&p.endpoint_config_name)
            .set_tags(Some(tags))
            .send()
            .await
            .api("CreateEndpoint")?;
        wait_in_service(cx, &p.name).await
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, _p: &EndpointProps) -> Result<Option<Observed<EndpointProps>>, ResourceError> {
        let Some((state, arn, config)) = status(cx, id).await? else { return Ok(None) };
        if state == EndpointStatus::Deleting {
            return Ok(None);
        }
        let props = EndpointProps { name: id.to_string(), endpoint_config_name: config };
        Ok(Some(Observed { props, attrs: Outcome::new(id).with("name", id).with("arn", arn).attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, _old: &EndpointProps, new: &EndpointProps) -> Result<Outcome, ResourceError> {
        cx.aws
            .sagemaker()
            .update_endpoint()
            .endpoint_name(id)
            .endpoint_config_name(&new.endpoint_config_name)
            .send()
            .await
            .api("UpdateEndpoint")?;
        wait_in_service(cx, id).await
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &EndpointProps) -> Result<(), ResourceError> {
        if status(cx, id).await?.is_none() {
            return Ok(());
        }
        cx.aws.sagemaker().delete_endpoint().endpoint_name(id).send().await.api("DeleteEndpoint")?;
        cx.wait_for("endpoint to be deleted", || async { Ok(status(cx, id).await?.is_none().then_some(())) }).await
    }
}
