//! `ec2.availability_zones` (lookup): the region's available zones, sorted by name.

use async_trait::async_trait;

use super::filter;
use crate::attrs;
use crate::aws::SdkResultExt;
use crate::{Ctx, DataSource, NoProps, ResourceError};

attrs! {
    pub struct ZonesAttrs {
        /// Zone names (`us-east-1a`, ...), sorted.
        names: Vec<String>,
        /// Zone ids (`use1-az1`, ...), in the order of `names`.
        zone_ids: Vec<String>,
    }
}

pub struct AvailabilityZones;

#[async_trait]
impl DataSource for AvailabilityZones {
    type Props = NoProps;
    type Attrs = ZonesAttrs;
    const TYPE: &'static str = "ec2.availability_zones";
    const EXAMPLE: &'static str = "[data.zones]\ntype = \"ec2.availability_zones\"\n";

    async fn read(&self, cx: &Ctx<'_>, _p: &NoProps) -> Result<ZonesAttrs, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .describe_availability_zones()
            .filters(filter("state", "available"))
            .send()
            .await
            .api("DescribeAvailabilityZones")?;
        let mut zones: Vec<(String, String)> = out
            .availability_zones()
            .iter()
            .filter(|z| z.zone_type().is_none_or(|t| t == "availability-zone"))
            .filter_map(|z| Some((z.zone_name()?.to_string(), z.zone_id().unwrap_or_default().to_string())))
            .collect();
        zones.sort();
        Ok(ZonesAttrs { names: zones.iter().map(|z| z.0.clone()).collect(), zone_ids: zones.into_iter().map(|z| z.1).collect() })
    }
}
