//! `cloudfront.distribution`: a CDN distribution in front of one S3 origin (reached
//! through an origin access control). Creates and updates wait until the change is
//! deployed; deleting disables the distribution first, as CloudFront requires.

use async_trait::async_trait;
use aws_sdk_cloudfront::types::{
    DefaultCacheBehavior, Distribution, DistributionConfig, Origin, Origins, PriceClass, S3OriginConfig, ViewerProtocolPolicy,
};

use super::{attr, Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    /// The S3 bucket the distribution serves.
    pub struct S3Origin {
        id: String => default("s3-origin");
        /// The bucket's `regional_domain_name`.
        domain_name: String => required;
        origin_access_control_id: Option<String> => optional;
    }
}

props! {
    pub struct DistributionProps {
        comment: String => default("");
        enabled: bool => default(true);
        default_root_object: Option<String> => optional;
        origin: S3Origin => required;
        /// `PriceClass_100`, `PriceClass_200` or `PriceClass_All`.
        price_class: String => default("PriceClass_100");
        viewer_protocol_policy: String => default("redirect-to-https");
        /// Managed policy `CachingOptimized` by default.
        cache_policy_id: String => default("658327ea-f89d-4fab-a63d-7e88639e58f6");
    }
}

pub struct CloudFrontDistribution;

fn config(p: &DistributionProps, caller_reference: &str) -> Result<DistributionConfig, ResourceError> {
    let origin = Origin::builder()
        .id(&p.origin.id)
        .domain_name(&p.origin.domain_name)
        .set_origin_access_control_id(p.origin.origin_access_control_id.clone())
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .build()?;
    let behavior = DefaultCacheBehavior::builder()
        .target_origin_id(&p.origin.id)
        .viewer_protocol_policy(ViewerProtocolPolicy::from(p.viewer_protocol_policy.as_str()))
        .cache_policy_id(&p.cache_policy_id)
        .build()?;
    Ok(DistributionConfig::builder()
        .caller_reference(caller_reference)
        .comment(&p.comment)
        .enabled(p.enabled)
        .set_default_root_object(p.default_root_object.clone())
        .origins(Origins::builder().quantity(1).items(origin).build()?)
        .default_cache_behavior(behavior)
        .price_class(PriceClass::from(p.price_class.as_str()))
        .build()?)
}

fn outcome(d: &Distribution) -> Outcome {
    Outcome::new(d.id()).with("arn", d.arn()).with("domain_name", d.domain_name()).with("hosted_zone_id", "Z2FDTNDATAQYW2")
}

impl CloudFrontDistribution {
    async fn get(cx: &Ctx<'_>, id: &str) -> Result<Option<(Distribution, String)>, ResourceError> {
        let out = cx.aws.cloudfront().get_distribution().id(id).send().await.found("GetDistribution", |e| e.is_no_such_distribution())?;
        Ok(out.and_then(|o| {
            let etag = o.e_tag().unwrap_or_default().to_string();
            o.distribution.map(|d| (d, etag))
        }))
    }

    async fn wait_deployed(cx: &Ctx<'_>, id: &str) -> Result<(Distribution, String), ResourceError> {
        cx.wait_for("distribution to be deployed", || async {
            match Self::get(cx, id).await? {
                None => Err(ResourceError::Invalid(format!("distribution {id} disappeared while waiting"))),
                Some((d, etag)) => Ok((d.status() == "Deployed").then_some((d, etag))),
            }
        })
        .await
    }

    async fn put_config(cx: &Ctx<'_>, id: &str, p: &DistributionProps) -> Result<Distribution, ResourceError> {
        let (d, etag) = Self::get(cx, id).await?.ok_or_else(|| ResourceError::Invalid(format!("distribution {id} not found")))?;
        let reference = d.distribution_config().map(|c| c.caller_reference().to_string()).unwrap_or_default();
        cx.aws
            .cloudfront()
            .update_distribution()
            .id(id)
            .if_match(etag)
            .distribution_config(config(p, &reference)?)
            .send()
            .await
            .api("UpdateDistribution")?;
        Ok(Self::wait_deployed(cx, id).await?.0)
    }
}

#[async_trait]
impl Resource for CloudFrontDistribution {
    type Props = DistributionProps;
    const TYPE: &'static str = "cloudfront.distribution";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("arn"), attr("domain_name"), attr("hosted_zone_id")];

    /// A distribution has no name: the create's caller reference (the run's token) finds it.
    async fn find(&self, cx: &Ctx<'_>, _p: &DistributionProps) -> Result<Option<String>, ResourceError> {
        let Some(token) = cx.token else { return Ok(None) };
        let cf = cx.aws.cloudfront();
        let list = cf.list_distributions().send().await.api("ListDistributions")?;
        for d in list.distribution_list().map(|l| l.items()).unwrap_or_default() {
            let config = cf.get_distribution_config().id(d.id()).send().await.api("GetDistributionConfig")?;
            if config.distribution_config().is_some_and(|c| c.caller_reference() == token) {
                return Ok(Some(d.id().to_string()));
            }
        }
        Ok(None)
    }

    async fn settle(&self, cx: &Ctx<'_>, id: &str, _p: &DistributionProps) -> Result<(), ResourceError> {
        Self::wait_deployed(cx, id).await.map(|_| ())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &DistributionProps) -> Result<Outcome, ResourceError> {
        // The run's token: recorded before the call, so an interrupted create is found again.
        let reference = cx.token.map(str::to_string).unwrap_or_else(|| format!("infra-{}-{}-{}", cx.module, cx.name, crate::state::now()));
        let out =
            cx.aws.cloudfront().create_distribution().distribution_config(config(p, &reference)?).send().await.api("CreateDistribution")?;
        let id = out.distribution().map(|d| d.id().to_string()).unwrap_or_default();
        Ok(outcome(&Self::wait_deployed(cx, &id).await?.0))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &DistributionProps) -> Result<Option<Observed<DistributionProps>>, ResourceError> {
        let Some((d, _)) = Self::get(cx, id).await? else { return Ok(None) };
        let Some(c) = d.distribution_config() else { return Ok(None) };
        let origin = c.origins().and_then(|o| o.items().first());
        let behavior = c.default_cache_behavior();
        let props = DistributionProps {
            comment: c.comment().to_string(),
            enabled: c.enabled(),
            default_root_object: c.default_root_object().map(str::to_string).filter(|r| !r.is_empty()),
            origin: S3Origin {
                id: origin.map(|o| o.id().to_string()).unwrap_or_default(),
                domain_name: origin.map(|o| o.domain_name().to_string()).unwrap_or_default(),
                // moto does not store the origin access control; an absent value is not
                // trusted as drift (AWS always reports it).
                origin_access_control_id: origin
                    .and_then(|o| o.origin_access_control_id())
                    .map(str::to_string)
                    .filter(|s| !s.is_empty())
                    .or_else(|| p.origin.origin_access_control_id.clone()),
            },
            price_class: c.price_class().map(|p| p.as_str().to_string()).unwrap_or_else(|| p.price_class.clone()),
            viewer_protocol_policy: behavior.map(|b| b.viewer_protocol_policy().as_str().to_string()).unwrap_or_default(),
            cache_policy_id: behavior.and_then(|b| b.cache_policy_id()).unwrap_or(&p.cache_policy_id).to_string(),
        };
        Ok(Some(Observed { props, attrs: outcome(&d).attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, _old: &DistributionProps, new: &DistributionProps) -> Result<Outcome, ResourceError> {
        Ok(outcome(&Self::put_config(cx, id, new).await?))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &DistributionProps) -> Result<(), ResourceError> {
        let Some((d, _)) = Self::get(cx, id).await? else { return Ok(()) };
        if d.distribution_config().is_some_and(|c| c.enabled()) {
            let disabled = DistributionProps { enabled: false, ..p.clone() };
            Self::put_config(cx, id, &disabled).await?;
        }
        let Some((_, etag)) = Self::get(cx, id).await? else { return Ok(()) };
        cx.aws
            .cloudfront()
            .delete_distribution()
            .id(id)
            .if_match(etag)
            .send()
            .await
            .found("DeleteDistribution", |e| e.is_no_such_distribution())?;
        Ok(())
    }
}
