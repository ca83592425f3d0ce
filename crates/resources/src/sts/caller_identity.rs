//! `aws.caller_identity` (lookup): the account and identity the run uses.

use async_trait::async_trait;

use crate::attrs;
use crate::{Ctx, DataSource, NoProps, ResourceError};

attrs! {
    pub struct CallerIdentityAttrs {
        account_id: String,
        /// The caller's ARN (user or role).
        arn: String,
        region: String,
    }
}

pub struct CallerIdentity;

#[async_trait]
impl DataSource for CallerIdentity {
    type Props = NoProps;
    type Attrs = CallerIdentityAttrs;
    const TYPE: &'static str = "aws.caller_identity";
    const EXAMPLE: &'static str = "[data.me]\ntype = \"aws.caller_identity\"\n";

    async fn read(&self, cx: &Ctx<'_>, _p: &NoProps) -> Result<CallerIdentityAttrs, ResourceError> {
        let id = cx.aws.identity().await?;
        Ok(CallerIdentityAttrs { account_id: id.account_id.clone(), arn: id.arn.clone(), region: id.region.clone() })
    }
}
