//! `infra validate`: load and check every manifest, the presets and the pricing file,
//! without touching AWS.

use super::{plural, GlobalOptions, OpsError, Workspace};
use crate::printer::Printer;

pub fn validate(global: &GlobalOptions, printer: &Printer) -> Result<(), OpsError> {
    let ws = Workspace::open(global)?;
    let pricing = crate::cost::Pricing::load(&ws.project.root).map_err(OpsError::Manifest)?;
    let resources: usize = ws.project.modules.values().map(|m| m.resources.len()).sum();
    let data: usize = ws.project.modules.values().map(|m| m.data.len()).sum();
    printer.out(&format!(
        "{}, {}, {}, {}, {}: no problems found.",
        plural(ws.project.modules.len(), "module"),
        plural(resources, "resource"),
        plural(data, "data lookup"),
        plural(ws.project.presets.len(), "preset"),
        plural(pricing.types.len(), "priced resource type"),
    ));
    Ok(())
}
