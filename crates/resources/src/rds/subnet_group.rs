//! `rds.subnet_group`: the subnets an RDS cluster may place instances in.

use std::time::Duration;

use async_trait::async_trait;

use super::{live_tags, sdk_tags, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, PrepareCx, Resource, ResourceError};

props! {
    pub struct SubnetGroupProps {
        /// Lowercase (RDS stores it so).
        name: String => required, replace, check(rules::RDS_SUBNET_GROUP);
        description: String => default("Managed by infra"), check(Check::MaxLen(255));
        /// Subnets in at least two availability zones.
        subnet_ids: Vec<String> => required;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct SubnetGroupAttrs {
        name: String,
        arn: String,
    }
}

pub struct SubnetGroup;

fn attrs(name: &str, arn: &str) -> SubnetGroupAttrs {
    SubnetGroupAttrs { name: name.to_string(), arn: arn.to_string() }
}

#[async_trait]
impl Resource for SubnetGroup {
    type Props = SubnetGroupProps;
    type Attrs = SubnetGroupAttrs;
    const TYPE: &'static str = "rds.subnet_group";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[data.vpc]
type = "ec2.default_vpc"

[data.subnets]
type = "ec2.subnets"
vpc_id = "${data.vpc.id}"

[resources.example]
type = "rds.subnet_group"
name = "conformance-subnets"
description = "Default VPC subnets"
subnet_ids = "${data.subnets.ids}"
"#,
        updates: &[],
        replace: Some("name = \"conformance-subnets-2\""),
        skip: &[],
    };

    fn early(&self, p: &SubnetGroupProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let arn = format!("arn:{}:rds:{}:{}:subgrp:{}", at.partition, at.region, at.account_id, p.name);
        vec![("id", p.name.clone()), ("name", p.name.clone()), ("arn", arn)]
    }

    fn prepare(&self, p: &mut SubnetGroupProps, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        p.subnet_ids.sort();
        p.subnet_ids.dedup();
        Ok(())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &SubnetGroupProps) -> Result<Created<SubnetGroupAttrs>, ResourceError> {
        let out = cx
            .aws
            .rds()
            .create_db_subnet_group()
            .db_subnet_group_name(&p.name)
            .db_subnet_group_description(&p.description)
            .set_subnet_ids(Some(p.subnet_ids.clone()))
            .set_tags(Some(sdk_tags(&p.tags)))
            .send()
            .await
            .api("CreateDBSubnetGroup")?;
        let arn = out.db_subnet_group().and_then(|g| g.db_subnet_group_arn()).unwrap_or_default();
        Ok(Created::new(&p.name, attrs(&p.name, arn)))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &SubnetGroupProps,
    ) -> Result<Option<Observed<SubnetGroupProps, SubnetGroupAttrs>>, ResourceError> {
        let out = cx
            .aws
            .rds()
            .describe_db_subnet_groups()
            .db_subnet_group_name(id)
            .send()
            .await
            .found("DescribeDBSubnetGroups", |e| e.is_db_subnet_group_not_found_fault())?;
        let Some(group) = out.and_then(|o| o.db_subnet_groups.and_then(|mut g| g.pop())) else { return Ok(None) };
        let mut subnet_ids: Vec<String> = group.subnets().iter().filter_map(|s| s.subnet_identifier().map(str::to_string)).collect();
        subnet_ids.sort();
        let arn = group.db_subnet_group_arn().unwrap_or_default();
        let tag_list = cx.aws.rds().list_tags_for_resource().resource_name(arn).send().await.api("ListTagsForResource")?;
        let props = SubnetGroupProps {
            name: id.to_string(),
            description: group.db_subnet_group_description().unwrap_or(&p.description).to_string(),
            subnet_ids,
            tags: live_tags(tag_list.tag_list()),
        };
        Ok(Some(Observed { props, attrs: attrs(id, arn) }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &SubnetGroupProps,
        new: &SubnetGroupProps,
    ) -> Result<Option<SubnetGroupAttrs>, ResourceError> {
        if old.tags != new.tags {
            let arn = cx.arn("rds", true, &format!("subgrp:{id}")).await?;
            sync_tags(cx, &arn, &old.tags, &new.tags).await?;
        }
        // moto 5.2.5's ModifyDBSubnetGroup deletes the group instead of changing it
        // (docs/architecture.md): call it only when the group itself changes.
        if (&old.description, &old.subnet_ids) == (&new.description, &new.subnet_ids) {
            return Ok(None);
        }
        let out = cx
            .aws
            .rds()
            .modify_db_subnet_group()
            .db_subnet_group_name(id)
            .db_subnet_group_description(&new.description)
            .set_subnet_ids(Some(new.subnet_ids.clone()))
            .send()
            .await
            .api("ModifyDBSubnetGroup")?;
        let arn = out.db_subnet_group().and_then(|g| g.db_subnet_group_arn()).unwrap_or_default();
        Ok(Some(attrs(id, arn)))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.rds().describe_db_subnet_groups().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("DescribeDBSubnetGroups")?;
            // `default` is the one RDS makes for the default VPC; no manifest can create it.
            let names = page.db_subnet_groups().iter().filter_map(|g| g.db_subnet_group_name()).filter(|n| *n != "default");
            out.extend(names.map(str::to_string));
        }
        Ok(out)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &SubnetGroupProps) -> Result<(), ResourceError> {
        // A cluster that is still being deleted keeps its subnet group in use.
        cx.retry_eventual("the deleted cluster to release its subnet group", Duration::from_secs(900), || async {
            match cx.aws.rds().delete_db_subnet_group().db_subnet_group_name(id).send().await {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_db_subnet_group_not_found_fault()) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_invalid_db_subnet_group_state_fault()) => {
                    Err(Attempt::retry("DeleteDBSubnetGroup", e))
                }
                Err(e) => Err(Attempt::fail("DeleteDBSubnetGroup", e)),
            }
        })
        .await
    }
}
