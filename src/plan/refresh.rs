//! Reading what AWS has now for recorded resources, many at a time.

use futures::{stream, StreamExt};
use serde_json::Value;

use crate::aws::Aws;
use crate::graph::Address;
use crate::manifest::Project;
use crate::resources::{registry, Attrs, Ctx, ResourceError};
use crate::secrets;
use crate::state::State;

/// What AWS has now for each recorded resource (`None`: it no longer exists), read
/// concurrently, `parallelism` at a time. What was a secret when applied stays masked
/// when read back.
pub async fn read_live(
    aws: &Aws,
    project: &Project,
    state: &State,
    addrs: Vec<Address>,
    parallelism: usize,
) -> Vec<(Address, Result<Option<(Value, Attrs)>, ResourceError>)> {
    stream::iter(addrs.into_iter().filter_map(|addr| {
        let prior = state.resource(&addr.module, &addr.name)?.clone();
        Some(async move {
            let Some(rtype) = registry::resource(&prior.type_name) else { return (addr, Ok(None)) };
            let label = addr.to_string();
            let dir = project.module_dir(&addr.module);
            let live = rtype.read(&Ctx::new(aws, &label, &dir), &prior.id, &prior.properties).await;
            let live = live.map(|o| o.map(|(v, a)| (secrets::mask_like(&v, &prior.properties), a)));
            (addr, live)
        })
    }))
    .buffer_unordered(parallelism.max(1))
    .collect()
    .await
}
