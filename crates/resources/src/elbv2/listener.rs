//! `elbv2.listener`: a port the load balancer accepts connections on and what it does by
//! default: port 80 redirecting to 443, 443 with a certificate forwarding to a target
//! group, or plain 80 forwarding when there is no certificate. Everything but the load
//! balancer changes in place.

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{Certificate, Listener as SdkListener, ProtocolEnum};

use super::load_balancer::LoadBalancer;
use super::{live_tags, sdk_tags, sync_tags, Action};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

/// AWS's recommended policy: TLS 1.3 and 1.2.
const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

props! {
    pub struct ListenerProps {
        load_balancer_arn: String => required, replace, check(Check::Arn);
        port: i64 => required, check(Check::Range { min: 1, max: 65535 });
        protocol: String => default("HTTP"), check(Check::OneOf(&["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "QUIC", "TCP_QUIC"]));
        /// The certificate (ACM ARN) an HTTPS listener presents.
        certificate_arn: Option<String> => optional, check(Check::Arn);
        /// HTTPS: the TLS policy; none: AWS's recommended TLS 1.3/1.2 policy.
        ssl_policy: Option<String> => optional;
        default_action: Action => required;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct ListenerAttrs {
        arn: String,
    }
}

pub struct Listener;

fn tls(p: &ListenerProps) -> bool {
    matches!(p.protocol.as_str(), "HTTPS" | "TLS")
}

fn certificates(p: &ListenerProps) -> Option<Vec<Certificate>> {
    p.certificate_arn.as_ref().map(|arn| vec![Certificate::builder().certificate_arn(arn).build()])
}

fn ssl_policy(p: &ListenerProps) -> Option<String> {
    tls(p).then(|| p.ssl_policy.clone().unwrap_or_else(|| DEFAULT_SSL_POLICY.into()))
}

async fn describe(cx: &Ctx<'_>, arn: &str) -> Result<Option<SdkListener>, ResourceError> {
    let out = cx
        .aws
        .elbv2()
        .describe_listeners()
        .listener_arns(arn)
        .send()
        .await
        .found("DescribeListeners", |e| e.is_listener_not_found_exception() || e.is_load_balancer_not_found_exception())?;
    Ok(out.and_then(|o| o.listeners.and_then(|mut l| l.pop())))
}

#[async_trait]
impl Resource for Listener {
    type Props = ListenerProps;
    type Attrs = ListenerAttrs;
    const TYPE: &'static str = "elbv2.listener";
    const IDENTITY: Identity = Identity::Unique(&["load_balancer_arn", "port"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.84.0.0/16"

[resources.a]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.84.1.0/24"
availability_zone = "us-east-1a"

[resources.b]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.84.2.0/24"
availability_zone = "us-east-1b"

[resources.alb]
type = "elbv2.load_balancer"
name = "conformance-listener"
subnets = ["${resources.a.id}", "${resources.b.id}"]

[resources.alb2]
type = "elbv2.load_balancer"
name = "conformance-listener-2"
subnets = ["${resources.a.id}", "${resources.b.id}"]

[resources.ui]
type = "elbv2.target_group"
name = "conformance-ui"
port = 8501
vpc_id = "${resources.vpc.id}"

[resources.example]
type = "elbv2.listener"
load_balancer_arn = "${resources.alb.arn}"
port = 80
default_action = { fixed_response = { status_code = "404" } }
"#,
        updates: &[
            "default_action = { forward = \"${resources.ui.arn}\" }",
            "default_action = { redirect = { port = \"443\" } }",
            "port = 8080",
        ],
        replace: Some("load_balancer_arn = \"${resources.alb2.arn}\""),
        skip: &[],
    };

    fn check(&self, p: &ListenerProps) -> Vec<Problem> {
        let mut out = p.default_action.problems("default_action");
        if tls(p) && p.certificate_arn.is_none() {
            out.push(("certificate_arn".into(), format!("a {} listener needs a certificate", p.protocol)));
        }
        out
    }

    async fn find(&self, cx: &Ctx<'_>, p: &ListenerProps) -> Result<Option<String>, ResourceError> {
        let out = cx
            .aws
            .elbv2()
            .describe_listeners()
            .load_balancer_arn(&p.load_balancer_arn)
            .send()
            .await
            .found("DescribeListeners", |e| e.is_load_balancer_not_found_exception())?;
        let listeners = out.map(|o| o.listeners.unwrap_or_default()).unwrap_or_default();
        Ok(listeners.into_iter().find(|l| l.port().map(i64::from) == Some(p.port)).and_then(|l| l.listener_arn))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ListenerProps) -> Result<Created<ListenerAttrs>, ResourceError> {
        let out = cx
            .aws
            .elbv2()
            .create_listener()
            .load_balancer_arn(&p.load_balancer_arn)
            .port(p.port as i32)
            .protocol(ProtocolEnum::from(p.protocol.as_str()))
            .set_certificates(certificates(p))
            .set_ssl_policy(ssl_policy(p))
            .default_actions(p.default_action.sdk()?)
            .set_tags((!p.tags.is_empty()).then(|| sdk_tags(&p.tags)))
            .send()
            .await
            .api("CreateListener")?;
        let arn = out.listeners().first().and_then(|l| l.listener_arn()).unwrap_or_default().to_string();
        Ok(Created::new(&arn, ListenerAttrs { arn: arn.clone() }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &ListenerProps,
    ) -> Result<Option<Observed<ListenerProps, ListenerAttrs>>, ResourceError> {
        let Some(l) = describe(cx, id).await? else { return Ok(None) };
        let props = ListenerProps {
            load_balancer_arn: l.load_balancer_arn().unwrap_or(&p.load_balancer_arn).to_string(),
            port: l.port().map(i64::from).unwrap_or(p.port),
            protocol: l.protocol().map(|x| x.as_str().to_string()).unwrap_or_else(|| p.protocol.clone()),
            certificate_arn: l.certificates().first().and_then(|c| c.certificate_arn()).map(str::to_string),
            // AWS fills in its default policy; only a policy the manifest chose is compared.
            ssl_policy: p.ssl_policy.as_ref().and(l.ssl_policy().map(str::to_string)),
            default_action: l.default_actions().first().map(Action::live).unwrap_or_else(|| p.default_action.clone()),
            tags: live_tags(cx, id).await?,
        };
        Ok(Some(Observed { props, attrs: ListenerAttrs { arn: id.to_string() } }))
    }

    /// The listeners of every load balancer; one deleted meanwhile has none.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        for lb in LoadBalancer.list(cx).await? {
            let mut pages = cx.aws.elbv2().describe_listeners().load_balancer_arn(&lb).into_paginator().send();
            while let Some(page) = pages.next().await {
                let Some(page) = page.found("DescribeListeners", |e| e.is_load_balancer_not_found_exception())? else { break };
                out.extend(page.listeners().iter().filter_map(|l| l.listener_arn()).map(str::to_string));
            }
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &ListenerProps,
        new: &ListenerProps,
    ) -> Result<Option<ListenerAttrs>, ResourceError> {
        if tags::changed_besides_tags(old, new, |p| &mut p.tags) {
            cx.aws
                .elbv2()
                .modify_listener()
                .listener_arn(id)
                .port(new.port as i32)
                .protocol(ProtocolEnum::from(new.protocol.as_str()))
                .set_certificates(certificates(new))
                .set_ssl_policy(ssl_policy(new))
                .default_actions(new.default_action.sdk()?)
                .send()
                .await
                .api("ModifyListener")?;
        }
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ListenerProps) -> Result<(), ResourceError> {
        let req = cx.aws.elbv2().delete_listener().listener_arn(id);
        req.send().await.found("DeleteListener", |e| e.is_listener_not_found_exception())?;
        Ok(())
    }
}
