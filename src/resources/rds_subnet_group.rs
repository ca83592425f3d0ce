//! `rds.subnet_group`: the subnets an RDS cluster may place instances in.

use async_trait::async_trait;
use aws_sdk_rds::types::Tag;

use std::time::Duration;

use super::{attr, Attempt, Attr, Ctx, Observed, Outcome, PrepareCx, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    pub struct SubnetGroupProps {
        name: String => required, replace;
        description: String => default("Managed by infra");
        subnet_ids: Vec<String> => required;
    }
}

pub struct SubnetGroup;

fn outcome(name: &str, arn: &str) -> Outcome {
    Outcome::new(name).with("name", name).with("arn", arn)
}

#[async_trait]
impl Resource for SubnetGroup {
    type Props = SubnetGroupProps;
    const TYPE: &'static str = "rds.subnet_group";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("name"), attr("arn")];

    fn natural_id(&self, p: &SubnetGroupProps) -> Option<String> {
        Some(p.name.clone())
    }

    fn prepare(&self, p: &mut SubnetGroupProps, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        p.subnet_ids.sort();
        p.subnet_ids.dedup();
        Ok(())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &SubnetGroupProps) -> Result<Outcome, ResourceError> {
        let tags = cx.tags().into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        let out = cx
            .aws
            .rds()
            .create_db_subnet_group()
            .db_subnet_group_name(&p.name)
            .db_subnet_group_description(&p.description)
            .set_subnet_ids(Some(p.subnet_ids.clone()))
            .set_tags(Some(tags))
            .send()
            .await
            .api("CreateDBSubnetGroup")?;
        let arn = out.db_subnet_group().and_then(|g| g.db_subnet_group_arn()).unwrap_or_default();
        Ok(outcome(&p.name, arn))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &SubnetGroupProps) -> Result<Option<Observed<SubnetGroupProps>>, ResourceError> {
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
        let props = SubnetGroupProps {
            name: id.to_string(),
            description: group.db_subnet_group_description().unwrap_or(&p.description).to_string(),
            subnet_ids,
        };
        Ok(Some(Observed { props, attrs: outcome(id, group.db_subnet_group_arn().unwrap_or_default()).attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, _old: &SubnetGroupProps, new: &SubnetGroupProps) -> Result<Outcome, ResourceError> {
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
        Ok(outcome(id, arn))
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
