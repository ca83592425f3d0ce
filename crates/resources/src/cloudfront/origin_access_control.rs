//! `cloudfront.origin_access_control`: lets a CloudFront distribution sign its requests
//! to a private S3 bucket.

use async_trait::async_trait;
use aws_sdk_cloudfront::types::{
    OriginAccessControlConfig, OriginAccessControlOriginTypes, OriginAccessControlSigningBehaviors, OriginAccessControlSigningProtocols,
};

use crate::aws::SdkResultExt;
use crate::props;
use crate::schema::Check;
use crate::{Created, Ctx, Example, IdOnly, Identity, Observed, Resource, ResourceError};

props! {
    pub struct OacProps {
        /// Unique in the account.
        name: String => required, check(Check::MaxLen(64));
        description: Option<String> => optional, check(Check::MaxLen(256));
        /// `s3`, `mediastore`, `lambda` or `mediapackagev2`. Changed in place: the id, which
        /// distributions and bucket policies name, stays.
        origin_type: String => default("s3"), check(Check::OneOf(&["s3", "mediastore", "lambda", "mediapackagev2"]));
        /// `always`, `never` or `no-override`.
        signing_behavior: String => default("always"), check(Check::OneOf(&["always", "never", "no-override", "always-amz-auth"]));
        signing_protocol: String => default("sigv4"), check(Check::OneOf(&["sigv4", "sigv4a"]));
    }
}

pub struct OriginAccessControl;

fn config(p: &OacProps) -> Result<OriginAccessControlConfig, ResourceError> {
    Ok(OriginAccessControlConfig::builder()
        .name(&p.name)
        .set_description(p.description.clone())
        .origin_access_control_origin_type(OriginAccessControlOriginTypes::from(p.origin_type.as_str()))
        .signing_behavior(OriginAccessControlSigningBehaviors::from(p.signing_behavior.as_str()))
        .signing_protocol(OriginAccessControlSigningProtocols::from(p.signing_protocol.as_str()))
        .build()?)
}

#[async_trait]
impl Resource for OriginAccessControl {
    type Props = OacProps;
    type Attrs = IdOnly;
    const TYPE: &'static str = "cloudfront.origin_access_control";
    const IDENTITY: Identity = Identity::Unique(&["name"]);
    const EXAMPLE: Example = Example {
        manifest: "\n[resources.example]\ntype = \"cloudfront.origin_access_control\"\nname = \"conformance-oac\"\ndescription = \"Site bucket\"\n",
        updates: &["description = \"Site bucket, changed\"", "signing_behavior = \"no-override\"", "origin_type = \"mediastore\""],
        replace: None,
        skip: &[(crate::Skip::Replace, "every property of an origin access control changes in place")],
    };

    async fn find(&self, cx: &Ctx<'_>, p: &OacProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.cloudfront().list_origin_access_controls().send().await.api("ListOriginAccessControls")?;
        Ok(out.origin_access_control_list().and_then(|l| l.items().iter().find(|o| o.name() == p.name)).map(|o| o.id().to_string()))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &OacProps) -> Result<Created<IdOnly>, ResourceError> {
        let out = cx
            .aws
            .cloudfront()
            .create_origin_access_control()
            .origin_access_control_config(config(p)?)
            .send()
            .await
            .api("CreateOriginAccessControl")?;
        Ok(Created::new(out.origin_access_control().map(|o| o.id()).unwrap_or_default(), IdOnly {}))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &OacProps) -> Result<Option<Observed<OacProps, IdOnly>>, ResourceError> {
        let out = cx
            .aws
            .cloudfront()
            .get_origin_access_control()
            .id(id)
            .send()
            .await
            .found("GetOriginAccessControl", |e| e.is_no_such_origin_access_control())?;
        let Some(c) = out.as_ref().and_then(|o| o.origin_access_control()).and_then(|o| o.origin_access_control_config()) else {
            return Ok(None);
        };
        let props = OacProps {
            name: c.name().to_string(),
            description: c.description().map(str::to_string).filter(|d| !d.is_empty()).or_else(|| p.description.clone()),
            origin_type: c.origin_access_control_origin_type().as_str().to_string(),
            signing_behavior: c.signing_behavior().as_str().to_string(),
            signing_protocol: c.signing_protocol().as_str().to_string(),
        };
        Ok(Some(Observed { props, attrs: IdOnly {} }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, _old: &OacProps, new: &OacProps) -> Result<Option<IdOnly>, ResourceError> {
        let cf = cx.aws.cloudfront();
        let current = cf.get_origin_access_control().id(id).send().await.api("GetOriginAccessControl")?;
        cf.update_origin_access_control()
            .id(id)
            .set_if_match(current.e_tag().map(str::to_string))
            .origin_access_control_config(config(new)?)
            .send()
            .await
            .api("UpdateOriginAccessControl")?;
        Ok(None)
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.cloudfront().list_origin_access_controls().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListOriginAccessControls")?;
            out.extend(page.origin_access_control_list().map(|l| l.items()).unwrap_or_default().iter().map(|o| o.id().to_string()));
        }
        Ok(out)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &OacProps) -> Result<(), ResourceError> {
        let cf = cx.aws.cloudfront();
        let Some(current) =
            cf.get_origin_access_control().id(id).send().await.found("GetOriginAccessControl", |e| e.is_no_such_origin_access_control())?
        else {
            return Ok(());
        };
        cf.delete_origin_access_control()
            .id(id)
            .set_if_match(current.e_tag().map(str::to_string))
            .send()
            .await
            .found("DeleteOriginAccessControl", |e| e.is_no_such_origin_access_control())?;
        Ok(())
    }
}
