//! Elastic Load Balancing v2: application load balancers, target groups, listeners and
//! listener rules. Shared here: the typed listener action (forward, redirect, fixed
//! response) and tag handling, which ELBv2 does by ARN for every type.

pub mod listener;
pub mod listener_rule;
pub mod load_balancer;
pub mod target_group;

use aws_sdk_elasticloadbalancingv2::types::{
    Action as SdkAction, ActionTypeEnum, FixedResponseActionConfig, RedirectActionConfig, RedirectActionStatusCodeEnum, Tag,
};

use crate::aws::SdkResultExt;
use crate::props;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{Ctx, Problem, ResourceError};

props! {
    /// Send the request elsewhere (`HTTP_301` from port 80 to HTTPS on 443).
    pub struct Redirect {
        protocol: String => default("HTTPS"), check(Check::OneOf(&["HTTP", "HTTPS", "#{protocol}"]));
        port: String => default("443");
        status_code: String => default("HTTP_301"), check(Check::OneOf(&["HTTP_301", "HTTP_302"]));
    }
}

props! {
    /// Answer the request from the load balancer itself.
    pub struct FixedResponse {
        status_code: String => default("404");
        content_type: String => default("text/plain");
        message_body: Option<String> => optional;
    }
}

props! {
    /// What a listener or rule does with a request: exactly one of the three.
    pub struct Action {
        /// Forward to this target group's ARN.
        forward: Option<String> => optional, check(Check::Arn);
        redirect: Option<Redirect> => optional;
        fixed_response: Option<FixedResponse> => optional;
    }
}

impl Action {
    pub fn problems(&self, path: &str) -> Vec<Problem> {
        let n = [self.forward.is_some(), self.redirect.is_some(), self.fixed_response.is_some()].iter().filter(|b| **b).count();
        if n == 1 {
            return Vec::new();
        }
        vec![(path.into(), format!("give exactly one of `forward`, `redirect` and `fixed_response` (found {n})"))]
    }

    fn sdk(&self) -> Result<SdkAction, ResourceError> {
        let b = SdkAction::builder();
        let b = if let Some(tg) = &self.forward {
            b.r#type(ActionTypeEnum::Forward).target_group_arn(tg)
        } else if let Some(r) = &self.redirect {
            let cfg = RedirectActionConfig::builder()
                .protocol(&r.protocol)
                .port(&r.port)
                .status_code(RedirectActionStatusCodeEnum::from(r.status_code.as_str()))
                .build();
            b.r#type(ActionTypeEnum::Redirect).redirect_config(cfg)
        } else if let Some(f) = &self.fixed_response {
            let cfg = FixedResponseActionConfig::builder()
                .status_code(&f.status_code)
                .content_type(&f.content_type)
                .set_message_body(f.message_body.clone())
                .build();
            b.r#type(ActionTypeEnum::FixedResponse).fixed_response_config(cfg)
        } else {
            return Err(ResourceError::Invalid("an action needs `forward`, `redirect` or `fixed_response`".into()));
        };
        Ok(b.build())
    }

    fn live(a: &SdkAction) -> Action {
        let forward = a
            .target_group_arn()
            .or_else(|| a.forward_config().and_then(|f| f.target_groups().first()).and_then(|t| t.target_group_arn()))
            .map(str::to_string);
        let redirect = a.redirect_config().map(|r| Redirect {
            protocol: r.protocol().unwrap_or("#{protocol}").to_string(),
            port: r.port().unwrap_or("#{port}").to_string(),
            status_code: r.status_code().map(|c| c.as_str()).unwrap_or("HTTP_301").to_string(),
        });
        let fixed_response = a.fixed_response_config().map(|f| FixedResponse {
            status_code: f.status_code().unwrap_or("404").to_string(),
            content_type: f.content_type().unwrap_or("text/plain").to_string(),
            message_body: f.message_body().map(str::to_string),
        });
        match a.r#type() {
            Some(ActionTypeEnum::Redirect) => Action { forward: None, redirect, fixed_response: None },
            Some(ActionTypeEnum::FixedResponse) => Action { forward: None, redirect: None, fixed_response },
            _ => Action { forward, redirect: None, fixed_response: None },
        }
    }
}

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

async fn live_tags(cx: &Ctx<'_>, arn: &str) -> Result<Tags, ResourceError> {
    let out = cx.aws.elbv2().describe_tags().resource_arns(arn).send().await.api("DescribeTags")?;
    let pairs = out.tag_descriptions().iter().flat_map(|d| d.tags()).filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())));
    Ok(tags::live(pairs))
}

async fn sync_tags(cx: &Ctx<'_>, arn: &str, old: &Tags, new: &Tags) -> Result<(), ResourceError> {
    let (set, remove) = tags::changes(old, new);
    let elb = cx.aws.elbv2();
    if !set.is_empty() {
        elb.add_tags().resource_arns(arn).set_tags(Some(sdk_tags(&set))).send().await.api("AddTags")?;
    }
    if !remove.is_empty() {
        elb.remove_tags().resource_arns(arn).set_tag_keys(Some(remove)).send().await.api("RemoveTags")?;
    }
    Ok(())
}
