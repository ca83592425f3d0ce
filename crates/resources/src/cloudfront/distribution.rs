//! `cloudfront.distribution`: a CDN distribution in front of one S3 origin (reached
//! through an origin access control). Creates and updates wait until the change is
//! deployed; deleting disables the distribution first, as CloudFront requires.

use async_trait::async_trait;
use aws_sdk_cloudfront::types::{
    DefaultCacheBehavior, Distribution, DistributionConfig, Origin, Origins, PriceClass, S3OriginConfig, Tag, TagKeys, Tags as SdkTags,
    ViewerProtocolPolicy,
};

use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Poll, Resource, ResourceError};

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
        comment: String => default(""), check(Check::MaxLen(128));
        /// Whether the distribution serves requests. (`enabled` is the manifest's own
        /// switch for whether the resource exists at all.)
        active: bool => default(true);
        /// Object served for `/`, e.g. `index.html`.
        default_root_object: Option<String> => optional;
        origin: S3Origin => required;
        /// `PriceClass_100`, `PriceClass_200` or `PriceClass_All`.
        price_class: String => default("PriceClass_100"), check(Check::OneOf(&["PriceClass_100", "PriceClass_200", "PriceClass_All", "None"]));
        /// `allow-all`, `redirect-to-https` or `https-only`.
        viewer_protocol_policy: String => default("redirect-to-https"), check(Check::OneOf(&["allow-all", "redirect-to-https", "https-only"]));
        /// Managed policy `CachingOptimized` by default.
        cache_policy_id: String => default("658327ea-f89d-4fab-a63d-7e88639e58f6");
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct DistributionAttrs {
        arn: String,
        /// `dxxxx.cloudfront.net`.
        domain_name: String,
        /// CloudFront's Route 53 zone, for alias records.
        hosted_zone_id: String,
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
        .enabled(p.active)
        .set_default_root_object(p.default_root_object.clone())
        .origins(Origins::builder().quantity(1).items(origin).build()?)
        .default_cache_behavior(behavior)
        .price_class(PriceClass::from(p.price_class.as_str()))
        .build()?)
}

fn attrs(d: &Distribution) -> DistributionAttrs {
    DistributionAttrs { arn: d.arn().to_string(), domain_name: d.domain_name().to_string(), hosted_zone_id: "Z2FDTNDATAQYW2".into() }
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
        cx.wait_ready(&format!("distribution {id}"), || async {
            Ok(match Self::get(cx, id).await? {
                None => Poll::Gone,
                Some((d, etag)) if d.status() == "Deployed" => Poll::Ready((d, etag)),
                Some(_) => Poll::Pending,
            })
        })
        .await
    }

    async fn sync_tags(cx: &Ctx<'_>, arn: &str, old: &Tags, new: &Tags) -> Result<(), ResourceError> {
        let cf = cx.aws.cloudfront();
        let (set, remove) = tags::changes(old, new);
        if !set.is_empty() {
            let items = set.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect::<Result<Vec<_>, _>>()?;
            cf.tag_resource().resource(arn).tags(SdkTags::builder().set_items(Some(items)).build()).send().await.api("TagResource")?;
        }
        if !remove.is_empty() {
            cf.untag_resource()
                .resource(arn)
                .tag_keys(TagKeys::builder().set_items(Some(remove)).build())
                .send()
                .await
                .api("UntagResource")?;
        }
        Ok(())
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
    type Attrs = DistributionAttrs;
    const TYPE: &'static str = "cloudfront.distribution";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.bucket]
type = "s3.bucket"
name = "conformance-site-${aws.account_id}"
force_destroy = true

[resources.oac]
type = "cloudfront.origin_access_control"
name = "conformance-site-oac"

[resources.example]
type = "cloudfront.distribution"
comment = "Static site"
default_root_object = "index.html"
origin = { domain_name = "${resources.bucket.regional_domain_name}", origin_access_control_id = "${resources.oac.id}" }
"#,
        updates: &["comment = \"Static site, changed\"", "price_class = \"PriceClass_All\""],
        replace: None,
        skip: &[(crate::Skip::Replace, "no property forces replacement: every change is an UpdateDistribution")],
    };

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

    async fn create(&self, cx: &Ctx<'_>, p: &DistributionProps) -> Result<Created<DistributionAttrs>, ResourceError> {
        // The run's token: recorded before the call, so an interrupted create is found again.
        let fallback = format!("infra-{:016x}", rand::random::<u64>());
        let reference = cx.token.unwrap_or(&fallback);
        let out =
            cx.aws.cloudfront().create_distribution().distribution_config(config(p, reference)?).send().await.api("CreateDistribution")?;
        let (id, arn) = out.distribution().map(|d| (d.id().to_string(), d.arn().to_string())).unwrap_or_default();
        Self::sync_tags(cx, &arn, &Tags::new(), &p.tags).await?;
        Ok(Created::new(&id, attrs(&Self::wait_deployed(cx, &id).await?.0)))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &DistributionProps,
    ) -> Result<Option<Observed<DistributionProps, DistributionAttrs>>, ResourceError> {
        let Some((d, _)) = Self::get(cx, id).await? else { return Ok(None) };
        let tag_list = cx.aws.cloudfront().list_tags_for_resource().resource(d.arn()).send().await.api("ListTagsForResource")?;
        let Some(c) = d.distribution_config() else { return Ok(None) };
        let origin = c.origins().and_then(|o| o.items().first());
        let behavior = c.default_cache_behavior();
        let props = DistributionProps {
            comment: c.comment().to_string(),
            active: c.enabled(),
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
            tags: tags::live(
                tag_list.tags().map(|t| t.items()).unwrap_or_default().iter().map(|t| (t.key(), t.value().unwrap_or_default())),
            ),
        };
        Ok(Some(Observed { props, attrs: attrs(&d) }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &DistributionProps,
        new: &DistributionProps,
    ) -> Result<Option<DistributionAttrs>, ResourceError> {
        if old.tags != new.tags {
            let arn = Self::get(cx, id).await?.map(|(d, _)| d.arn().to_string()).unwrap_or_default();
            Self::sync_tags(cx, &arn, &old.tags, &new.tags).await?;
        }
        if (DistributionProps { tags: new.tags.clone(), ..old.clone() }) == *new {
            return Ok(None);
        }
        Ok(Some(attrs(&Self::put_config(cx, id, new).await?)))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.cloudfront().list_distributions().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListDistributions")?;
            out.extend(page.distribution_list().map(|l| l.items()).unwrap_or_default().iter().map(|d| d.id().to_string()));
        }
        Ok(out)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &DistributionProps) -> Result<(), ResourceError> {
        let Some((d, _)) = Self::get(cx, id).await? else { return Ok(()) };
        if d.distribution_config().is_some_and(|c| c.enabled()) {
            let disabled = DistributionProps { active: false, ..p.clone() };
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
