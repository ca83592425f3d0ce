//! Where a resource uses each thing it references: in a typed property the target must
//! exist for (a function's role, a mapping's queue), or only inside a document or a map
//! (a policy, environment variables, tags) that may quote a name or ARN of something
//! not created yet. The latter needs only the value, and lets the planner drop the wait.

use std::collections::{HashMap, HashSet};

use crate::graph::Address;
use crate::manifest::expr::{self, Reference};
use crate::manifest::{Module, Node, NodeKind, Project};
use crate::resources::registry;
use crate::schema::Ty;

/// How one resource uses one target.
#[derive(Debug, Default, Clone)]
pub struct Place {
    /// Used in at least one typed property: wait for the target.
    pub strict: bool,
    /// The target's attributes it reads (for a resource target).
    pub attrs: HashSet<String>,
}

/// Every target the resource at `addr` references, by address; `None` when it is not in
/// the manifest. `depends_on` targets are always strict.
pub fn of(project: &Project, addr: &Address) -> Option<HashMap<Address, Place>> {
    let module = project.module(&addr.module)?;
    let decl = module.resources.get(&addr.name)?;
    let ty = registry::resource(&decl.type_name)?.schema();
    let mut out = HashMap::new();
    walk(module, &decl.properties, &ty, false, 0, &mut out);
    for (dep, _) in &decl.depends_on {
        if let crate::manifest::Dependency::Resource(name) = dep {
            out.entry(Address::resource(&module.name, name)).or_insert_with(Place::default).strict = true;
        }
    }
    Some(out)
}

fn walk(module: &Module, node: &Node, ty: &Ty, loose: bool, depth: usize, out: &mut HashMap<Address, Place>) {
    if depth > 16 {
        return;
    }
    let loose = loose || matches!(ty, Ty::Json | Ty::Map(_));
    match &node.kind {
        NodeKind::Str(s) => {
            let Ok(template) = expr::parse(s) else { return };
            for r in template.references() {
                record(module, r, ty, loose, depth, out);
            }
        }
        NodeKind::Array(items) => {
            let item = match ty {
                Ty::List(t) => t.as_ref(),
                _ => &Ty::Json,
            };
            for n in items {
                walk(module, n, item, loose, depth + 1, out);
            }
        }
        NodeKind::Table(entries) => {
            for (k, v) in entries {
                let field = match ty {
                    Ty::Object(_) => ty.field(&k.name).map(|f| f.ty.clone()).unwrap_or(Ty::Json),
                    Ty::Map(t) => t.as_ref().clone(),
                    _ => Ty::Json,
                };
                walk(module, v, &field, loose, depth + 1, out);
            }
        }
        _ => {}
    }
}

fn record(module: &Module, r: &Reference, ty: &Ty, loose: bool, depth: usize, out: &mut HashMap<Address, Place>) {
    let (target, attr) = match r {
        Reference::Local(name) => {
            if let Some(local) = module.locals.get(name) {
                walk(module, &local.value, ty, loose, depth + 1, out);
            }
            return;
        }
        Reference::Resource { name, attr } => (Address::resource(&module.name, name), Some(attr)),
        Reference::Module { module: up, output } => (Address::output(up, output), None),
        Reference::Data { name, .. } => (Address::data(&module.name, name), None),
        _ => return,
    };
    let place = out.entry(target).or_default();
    place.strict |= !loose;
    if let Some(a) = attr {
        place.attrs.insert(a.clone());
    }
}
