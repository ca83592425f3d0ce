//! `iam.role`: a role with its trust policy, inline policies and managed policy
//! attachments, reconciled as sets (each set's calls made together).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_iam::types::Tag;
use futures::future::try_join_all;
use serde_json::Value;

use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::check::Chars;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct RoleProps {
        name: String => required, replace, check(rules::IAM_ROLE);
        /// Trust policy: who may assume the role, written as a TOML table.
        assume_role_policy: Value => required;
        description: Option<String> => optional, check(Check::Name { what: "description", min: 0, max: 1000, chars: Chars::Latin1 });
        /// ARNs of managed policies to attach.
        managed_policy_arns: Vec<String> => default([]), check(Check::Arn);
        /// Inline policies by name.
        inline_policies: BTreeMap<String, Value> => default({});
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct RoleAttrs {
        name: String,
        arn: String,
    }
}

pub struct Role;

/// IAM returns policy documents URL-encoded.
fn decode_policy(raw: &str) -> Value {
    let text = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    serde_json::from_str(&text).unwrap_or(Value::String(text.into_owned()))
}

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ResourceError> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(ResourceError::from)).collect()
}

impl Role {
    async fn live_managed(cx: &Ctx<'_>, name: &str) -> Result<Vec<String>, ResourceError> {
        let mut arns = Vec::new();
        let mut pages = cx.aws.iam().list_attached_role_policies().role_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListAttachedRolePolicies")?;
            arns.extend(page.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_string)));
        }
        arns.sort();
        Ok(arns)
    }

    async fn live_inline(cx: &Ctx<'_>, name: &str) -> Result<BTreeMap<String, Value>, ResourceError> {
        let mut names = Vec::new();
        let mut pages = cx.aws.iam().list_role_policies().role_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            names.extend(page.api("ListRolePolicies")?.policy_names().iter().cloned());
        }
        let docs = try_join_all(names.iter().map(|policy| async move {
            let doc = cx.aws.iam().get_role_policy().role_name(name).policy_name(policy).send().await.api("GetRolePolicy")?;
            Ok::<_, ResourceError>((policy.clone(), decode_policy(doc.policy_document())))
        }))
        .await?;
        Ok(docs.into_iter().collect())
    }

    /// Attach, put, detach and delete what differs, each group's calls together.
    async fn sync_policies(cx: &Ctx<'_>, name: &str, old: &RoleProps, new: &RoleProps) -> Result<(), ResourceError> {
        let iam = cx.aws.iam();
        let attach = new.managed_policy_arns.iter().filter(|a| !old.managed_policy_arns.contains(a)).map(|arn| async move {
            iam.attach_role_policy().role_name(name).policy_arn(arn).send().await.api("AttachRolePolicy").map(|_| ())
        });
        let put =
            new.inline_policies.iter().filter(|(p, doc)| old.inline_policies.get(*p).is_none_or(|d| !crate::schema::json_eq(d, doc))).map(
                |(policy, doc)| async move {
                    iam.put_role_policy()
                        .role_name(name)
                        .policy_name(policy)
                        .policy_document(doc.to_string())
                        .send()
                        .await
                        .api("PutRolePolicy")
                        .map(|_| ())
                },
            );
        let (attached, put) = tokio::join!(try_join_all(attach), try_join_all(put));
        attached?;
        put?;
        let detach = old.managed_policy_arns.iter().filter(|a| !new.managed_policy_arns.contains(a)).map(|arn| async move {
            iam.detach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await
                .found("DetachRolePolicy", |e| e.is_no_such_entity_exception())
                .map(|_| ())
        });
        let remove = old.inline_policies.keys().filter(|p| !new.inline_policies.contains_key(*p)).map(|policy| async move {
            iam.delete_role_policy()
                .role_name(name)
                .policy_name(policy)
                .send()
                .await
                .found("DeleteRolePolicy", |e| e.is_no_such_entity_exception())
                .map(|_| ())
        });
        let (detached, removed) = tokio::join!(try_join_all(detach), try_join_all(remove));
        detached?;
        removed?;
        Ok(())
    }
}

#[async_trait]
impl Resource for Role {
    type Props = RoleProps;
    type Attrs = RoleAttrs;
    const TYPE: &'static str = "iam.role";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "iam.role"
name = "conformance-role"
description = "Lambda execution"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }
managed_policy_arns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]

[resources.example.inline_policies.read]
Version = "2012-10-17"
Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]
"#,
        updates: &[
            "description = \"Lambda execution, changed\"",
            "managed_policy_arns = []",
            "inline_policies = { write = { Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Action = \"s3:PutObject\", Resource = \"*\" }] } }",
        ],
        replace: Some("name = \"conformance-role-2\""),
        skip: &[],
    };

    /// Roles made by infra have the default path `/`.
    fn early(&self, p: &RoleProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![
            ("id", p.name.clone()),
            ("name", p.name.clone()),
            ("arn", format!("arn:{}:iam::{}:role/{}", at.partition, at.account_id, p.name)),
        ]
    }

    /// One call, not a whole read: is the name taken?
    async fn find(&self, cx: &Ctx<'_>, p: &RoleProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.iam().get_role().role_name(&p.name).send().await.found("GetRole", |e| e.is_no_such_entity_exception())?;
        Ok(out.map(|_| p.name.clone()))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &RoleProps) -> Result<Created<RoleAttrs>, ResourceError> {
        let out = cx
            .aws
            .iam()
            .create_role()
            .role_name(&p.name)
            .assume_role_policy_document(p.assume_role_policy.to_string())
            .set_description(p.description.clone())
            .set_tags(Some(sdk_tags(&p.tags)?))
            .send()
            .await
            .api("CreateRole")?;
        let arn = out.role().map(|r| r.arn().to_string()).unwrap_or_default();
        let empty = RoleProps { managed_policy_arns: vec![], inline_policies: BTreeMap::new(), ..p.clone() };
        Self::sync_policies(cx, &p.name, &empty, p).await?;
        Ok(Created::new(&p.name, RoleAttrs { name: p.name.clone(), arn }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &RoleProps) -> Result<Option<Observed<RoleProps, RoleAttrs>>, ResourceError> {
        let iam = cx.aws.iam();
        let (role, managed, inline) =
            tokio::join!(iam.get_role().role_name(id).send(), Self::live_managed(cx, id), Self::live_inline(cx, id));
        let Some(role) = role.found("GetRole", |e| e.is_no_such_entity_exception())?.and_then(|o| o.role) else { return Ok(None) };
        let mut managed = managed?;
        // Keep the manifest's order when the sets agree, so order alone is no change.
        let mut wanted = p.managed_policy_arns.clone();
        wanted.sort();
        if wanted == managed {
            managed = p.managed_policy_arns.clone();
        }
        let props = RoleProps {
            name: role.role_name().to_string(),
            assume_role_policy: role.assume_role_policy_document().map(decode_policy).unwrap_or(Value::Null),
            description: role.description().map(str::to_string).filter(|d| !d.is_empty()),
            managed_policy_arns: managed,
            inline_policies: inline?,
            tags: tags::live(role.tags().iter().map(|t| (t.key(), t.value()))),
        };
        Ok(Some(Observed { props, attrs: RoleAttrs { name: id.to_string(), arn: role.arn().to_string() } }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &RoleProps, new: &RoleProps) -> Result<Option<RoleAttrs>, ResourceError> {
        let iam = cx.aws.iam();
        if !crate::schema::json_eq(&old.assume_role_policy, &new.assume_role_policy) {
            iam.update_assume_role_policy()
                .role_name(id)
                .policy_document(new.assume_role_policy.to_string())
                .send()
                .await
                .api("UpdateAssumeRolePolicy")?;
        }
        if old.description != new.description {
            iam.update_role().role_name(id).description(new.description.clone().unwrap_or_default()).send().await.api("UpdateRole")?;
        }
        Self::sync_policies(cx, id, old, new).await?;
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() {
            iam.tag_role().role_name(id).set_tags(Some(sdk_tags(&set)?)).send().await.api("TagRole")?;
        }
        if !remove.is_empty() {
            iam.untag_role().role_name(id).set_tag_keys(Some(remove)).send().await.api("UntagRole")?;
        }
        Ok(None)
    }

    /// Roles AWS made for its own services (`/aws-service-role/`) are not listed.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.iam().list_roles().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListRoles")?;
            out.extend(page.roles().iter().filter(|r| !r.path().starts_with("/aws-service-role/")).map(|r| r.role_name().to_string()));
        }
        Ok(out)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &RoleProps) -> Result<(), ResourceError> {
        let iam = cx.aws.iam();
        let exists = iam.get_role().role_name(id).send().await.found("GetRole", |e| e.is_no_such_entity_exception())?;
        if exists.is_none() {
            return Ok(());
        }
        // A role cannot be deleted while policies are attached, whoever attached them.
        let live = RoleProps {
            name: id.to_string(),
            assume_role_policy: Value::Null,
            description: None,
            managed_policy_arns: Self::live_managed(cx, id).await?,
            inline_policies: Self::live_inline(cx, id).await?,
            tags: Tags::new(),
        };
        let none = RoleProps { managed_policy_arns: vec![], inline_policies: BTreeMap::new(), ..live.clone() };
        Self::sync_policies(cx, id, &live, &none).await?;
        // A role still attached somewhere (an instance profile, a lingering session)
        // refuses deletion for a while.
        cx.retry_eventual("the role to be released", Duration::from_secs(120), || async {
            match iam.delete_role().role_name(id).send().await {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_delete_conflict_exception()) => Err(Attempt::retry("DeleteRole", e)),
                Err(e) => Err(Attempt::fail("DeleteRole", e)),
            }
        })
        .await
    }
}
