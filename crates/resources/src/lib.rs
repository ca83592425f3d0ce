//! `infra-resources`: the resource and data-source types, grouped by AWS service
//! (`sqs.queue` lives in `sqs/queue.rs`), with the layers they stand on: [`aws`] (clients,
//! retries, error classification), [`schema`] (typed properties and AWS's value rules) and
//! [`secrets`] (masking). A crate of its own so that editing the CLI, the planner or the
//! engine never recompiles the types (docs/architecture.md, "Crates").
//!
//! A type declares its typed properties with
//! [`props!`](crate::props), its typed attributes with [`attrs!`](crate::attrs) (`id` is
//! implicit), how AWS identifies it ([`Identity`]) and one [`Example`] (run by the
//! shared conformance test, shown in the generated reference), and implements
//! [`Resource`]. Registering it is one line in [`registry`].

pub mod aws;
pub mod schema;
pub mod secrets;

pub mod billing;
pub mod contents;
mod context;
mod dynamic;
pub mod registry;
pub mod tags;

/// Database snapshots outlive their resources: `down --all` offers to delete them.
pub use rds::cluster::{delete_snapshot, kept_snapshots};

mod acm;
mod apigateway;
mod apigatewayv2;
mod apprunner;
mod bedrockagentcore;
pub mod cloudcontrol;
mod cloudfront;
mod cloudwatch;
mod dynamodb;
mod ec2;
mod ecr;
mod ecs;
mod elbv2;
mod events;
mod iam;
mod kinesis;
mod kms;
pub mod lambda;
mod logs;
mod random;
mod rds;
mod route53;
mod s3;
mod sagemaker;
mod scheduler;
mod secretsmanager;
mod sns;
pub mod sqs;
mod ssm;
mod stepfunctions;
mod sts;

use std::time::Duration;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::aws::AwsError;
use crate::schema::{PropType, Ty};

/// The account, region and partition a run works in.
pub use crate::aws::Caller;

pub use contents::Contents;
pub use context::{Attempt, Ctx, Poll, PrepareCx, Progress, Quiet, DEFAULT_TIMEOUT, PROPAGATION_RETRY, ROLE_PROPAGATION};
pub use dynamic::{DynDataSource, DynResource};

/// Attribute values a resource exposes to `${resources.NAME.ATTR}` (id, arn, name, ...).
pub type Attrs = Map<String, Value>;

/// The type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AttrTy {
    Str,
    StrList,
    Int,
}

impl AttrTy {
    pub fn ty(self) -> Ty {
        match self {
            AttrTy::Str => Ty::Str,
            AttrTy::StrList => Ty::List(Box::new(Ty::Str)),
            AttrTy::Int => Ty::Int,
        }
    }
}

/// One attribute of a type, as declared by [`attrs!`](crate::attrs).
#[derive(Debug, Clone, Copy)]
pub struct Attr {
    pub name: &'static str,
    pub ty: AttrTy,
    /// A secret (an API key's value): never stored, read from AWS when needed.
    pub sensitive: bool,
    pub doc: &'static str,
}

impl Attr {
    /// Every type's physical id.
    pub const ID: Attr = Attr { name: "id", ty: AttrTy::Str, sensitive: false, doc: "The physical id." };
}

/// Maps a Rust attribute type to its [`AttrTy`].
pub trait AttrType {
    const TY: AttrTy;
}
impl AttrType for String {
    const TY: AttrTy = AttrTy::Str;
}
impl AttrType for Option<String> {
    const TY: AttrTy = AttrTy::Str;
}
impl AttrType for Vec<String> {
    const TY: AttrTy = AttrTy::StrList;
}
impl AttrType for i64 {
    const TY: AttrTy = AttrTy::Int;
}

/// A type's attributes: one struct whose fields are the attribute list, so the values a
/// type returns and the names manifests may reference cannot drift apart.
pub trait AttrSet: Serialize + Send + Sync + 'static {
    /// `id` first, then the struct's fields.
    const LIST: &'static [Attr];
}

/// Declares an attribute struct and its list.
///
/// ```ignore
/// attrs! {
///     pub struct QueueAttrs {
///         /// The queue URL.
///         url: String,
///         arn: String,
///         /// Only in memory, never stored.
///         value: Option<String> => sensitive,
///     }
/// }
/// ```
#[macro_export]
macro_rules! attrs {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $fty:ty $(=> $flag:ident)? ,
            )*
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
        pub struct $name {
            $( $(#[doc = $doc])* pub $field: $fty, )*
        }

        impl $crate::AttrSet for $name {
            const LIST: &'static [$crate::Attr] = &[
                $crate::Attr::ID,
                $( $crate::Attr {
                    name: stringify!($field),
                    ty: <$fty as $crate::AttrType>::TY,
                    sensitive: $crate::attrs!(@sensitive $($flag)?),
                    doc: concat!("" $(, $doc)*),
                }, )*
            ];
        }
    };
    (@sensitive) => { false };
    (@sensitive sensitive) => { true };
}

attrs! {
    /// For types whose only attribute is their id.
    pub struct IdOnly {}
}

/// Attributes as JSON, with the id.
pub fn attr_map<A: Serialize>(id: &str, attrs: &A) -> Attrs {
    let mut map = match serde_json::to_value(attrs) {
        Ok(Value::Object(m)) => m,
        _ => Attrs::new(),
    };
    map.retain(|_, v| !v.is_null());
    map.insert("id".into(), Value::String(id.to_string()));
    map
}

/// How AWS identifies a type's resources: what makes two of them the same one. It
/// decides how an existing resource is found (ownership check before every create,
/// adoption after a crash) and which manifest resources would collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// The physical id is this property's value, unique in the account and region (a
    /// role's name); reading it finds the resource.
    Named(&'static str),
    /// These properties are unique together, but AWS assigns the id (a security
    /// group's VPC and name); the type's `find` looks it up.
    Unique(&'static [&'static str]),
    /// AWS assigns the id and names need not be unique (REST APIs): a create never
    /// collides; an interrupted create is found again by infra's tags.
    Assigned,
    /// Nothing in AWS (`random.id`).
    Local,
}

impl Identity {
    /// The properties whose values identify the resource.
    pub fn fields(&self) -> &[&'static str] {
        match self {
            Identity::Named(f) => std::slice::from_ref(f),
            Identity::Unique(fs) => fs,
            Identity::Assigned | Identity::Local => &[],
        }
    }
}

/// A conformance step an emulator cannot run for a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    Update,
    /// Changing a taggable type's tags in place (tried for every taggable type).
    Tags,
    Replace,
    Drift,
    Adopt,
    /// Being listed by `import --discover` and read back from the id alone.
    Discover,
}

/// One small, complete use of a type: the reference shows it and the shared
/// conformance test (tests/integration/conformance.rs) runs it against the emulator.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// A module's manifest. The resource under test is `[resources.example]`; any other
    /// resources are what it needs. `infra schema` and docs/resources.md show it to users
    /// as it is, so why it is shaped for the emulator goes in a `//` comment beside it.
    pub manifest: &'static str,
    /// In-place changes, each a TOML line (`visibility_timeout_seconds = 60`, `${...}`
    /// allowed) applied to `[resources.example]` one after another; a change of tags is
    /// added for every taggable type. The drift step puts the resource back to how it
    /// was created, outside infra, and expects infra to see and repair that.
    pub updates: &'static [&'static str],
    /// A change that forces replacement, if the type has one.
    pub replace: Option<&'static str>,
    /// Steps the emulator cannot run for this type, and why: for the conformance test
    /// only (the reference does not show them).
    pub skip: &'static [(Skip, &'static str)],
}

/// What a create left behind.
#[derive(Debug, Clone)]
pub struct Created<A> {
    pub id: String,
    pub attrs: A,
}

impl<A> Created<A> {
    pub fn new(id: impl Into<String>, attrs: A) -> Self {
        Created { id: id.into(), attrs }
    }
}

/// A resource as it is live: its properties in manifest terms (what AWS cannot show is
/// carried over from the last applied properties) and its current attributes.
#[derive(Debug, Clone)]
pub struct Observed<P, A> {
    pub props: P,
    pub attrs: A,
}

/// A create or update, as the engine sees any type: the physical id and the attributes.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub id: String,
    pub attrs: Attrs,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ResourceError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("{0}")]
    Invalid(String),
    #[error("timed out after {} waiting for {what}", humantime::format_duration(*after))]
    Timeout { what: String, after: Duration },
}

impl From<aws_smithy_types::error::operation::BuildError> for ResourceError {
    fn from(e: aws_smithy_types::error::operation::BuildError) -> Self {
        ResourceError::Invalid(format!("cannot build the request: {e}"))
    }
}

/// A problem with a whole value (two properties that contradict each other): the
/// property path and what is wrong.
pub type Problem = (String, String);

/// Another resource of the project that one of a resource's properties refers to
/// (`redrive = { dead_letter_target_arn = "${resources.dlq.arn}", ... }`), as far as it is
/// known before anything runs: what [`Resource::check_peers`] sees of it.
#[derive(Debug, Clone)]
pub struct Peer {
    /// Its address, `MODULE.NAME`.
    pub address: String,
    /// Where it is declared, `modules/m.toml:1:12`, so a message can point at both ends.
    pub declared_at: String,
    pub type_name: String,
    /// The attribute the property takes from it (`arn`).
    pub attr: String,
    /// The other module's output the value comes through (`MODULE.OUTPUT`), when it is
    /// not a reference within the resource's own module.
    pub through: Option<String>,
    /// Its properties with defaults filled in; values not known yet are [`schema::UNKNOWN`].
    pub props: Value,
}

impl Peer {
    /// Whether the property takes attribute `attr` of a resource of type `R`.
    pub fn is<R: Resource>(&self, attr: &str) -> bool {
        self.type_name == R::TYPE && self.attr == attr
    }

    /// The peer's property `name`, when it is known before anything runs.
    pub fn known<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        let v = self.props.get(name).filter(|v| !schema::contains_unknown(v))?;
        serde_json::from_value(v.clone()).ok()
    }
}

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (declared at {})", self.address, self.declared_at)
    }
}

/// The resources behind a resource's property values, for rules spanning resources.
/// The manifest layer answers it; a type only asks.
pub trait Peers {
    /// The resource of the project whose attribute the value at `path`
    /// (`redrive.dead_letter_target_arn`) is, when it is exactly one such reference.
    fn at(&self, path: &str) -> Option<Peer>;
}

/// One resource type.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    type Props: PropType + Serialize + DeserializeOwned + Clone + Send + Sync;
    type Attrs: AttrSet;
    /// Manifest type name, e.g. `sqs.queue`.
    const TYPE: &'static str;
    const IDENTITY: Identity;
    const EXAMPLE: Example;
    /// An in-place update makes a new version whose attributes differ (a task
    /// definition's revision ARN): what uses them is planned to follow in the same run.
    const VERSIONED: bool = false;

    /// The properties [`check`](Resource::check) and [`check_peers`](Resource::check_peers)
    /// read of the resource's own. `validate` runs them as soon as these are known, even
    /// while others are not (a dead-letter queue's ARN, known after apply); empty (the
    /// default) means every property, so they wait for a fully known value. A type with
    /// `check_peers` declares it: the properties that name its peers are never known
    /// before anything runs.
    const CHECK_READS: &'static [&'static str] = &[];

    /// Rules spanning several properties (a FIFO queue's name ends in `.fifo`); rules
    /// for one value are declared on the property with `check(...)`.
    fn check(&self, _p: &Self::Props) -> Vec<Problem> {
        Vec::new()
    }

    /// Rules spanning resources: this one against another of the project that one of its
    /// properties refers to (a FIFO queue's dead-letter queue, a subnet's VPC), checked by
    /// `validate` with what is known before anything runs. Only
    /// [`CHECK_READS`](Resource::CHECK_READS) of `p` are real values.
    fn check_peers(&self, _p: &Self::Props, _peers: &dyn Peers) -> Vec<Problem> {
        Vec::new()
    }

    /// Attributes an in-place update from `old` to `new` gives new values (a secret's
    /// version, when the update writes a new value): what uses them is planned to
    /// follow in the same run, while the others stay known. [`VERSIONED`](Resource::VERSIONED)
    /// types change them all.
    fn updated_attrs(&self, _old: &Self::Props, _new: &Self::Props) -> &'static [&'static str] {
        &[]
    }

    /// Attributes that follow from the properties alone (a name, an ARN built from
    /// account, region and name), known while planning: a dependent that only quotes
    /// the value (in a policy, an environment variable) need not wait for the create.
    /// Only values AWS cannot choose otherwise belong here.
    fn early(&self, _p: &Self::Props, _at: &Caller) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Attributes beyond [`Resource::Attrs`] that depend on the properties (a Cloud
    /// Control resource's read-only properties follow from its CloudFormation type), so
    /// `validate` accepts references to them.
    fn more_attributes(&self, _p: &Self::Props) -> Vec<String> {
        Vec::new()
    }

    /// Whether a change the schema calls in place cannot be made in place for these
    /// properties (a Cloud Control resource's create-only paths depend on its
    /// CloudFormation type): the planner then replaces the resource.
    fn forces_replace(&self, _p: &Self::Props, _change: &schema::Change) -> bool {
        false
    }

    /// Fill computed properties (e.g. the Lambda code hash) and canonical forms
    /// (sorted sets) before a diff.
    fn prepare(&self, _props: &mut Self::Props, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        Ok(())
    }

    /// The physical id of an existing resource matching these properties, or `None`.
    /// Used before every create (is the name taken?) and after an interrupted one.
    /// The default reads the [`Identity::Named`] property's value as the id.
    async fn find(&self, cx: &Ctx<'_>, props: &Self::Props) -> Result<Option<String>, ResourceError> {
        let Identity::Named(field) = Self::IDENTITY else { return Ok(None) };
        let Some(id) = serde_json::to_value(props).ok().and_then(|v| v.get(field)?.as_str().map(str::to_string)) else {
            return Ok(None);
        };
        Ok(self.read(cx, &id, props).await?.map(|_| id))
    }

    /// Wait until an adopted resource is usable (a cluster still creating).
    async fn settle(&self, _cx: &Ctx<'_>, _id: &str, _props: &Self::Props) -> Result<(), ResourceError> {
        Ok(())
    }

    async fn create(&self, cx: &Ctx<'_>, props: &Self::Props) -> Result<Created<Self::Attrs>, ResourceError>;

    /// `None` when the resource no longer exists. `props` are the last applied ones.
    async fn read(&self, cx: &Ctx<'_>, id: &str, props: &Self::Props) -> Result<Option<Observed<Self::Props, Self::Attrs>>, ResourceError>;

    /// Make the live resource (`old`) match `new`; only in-place changes reach here.
    /// `None` keeps the recorded attributes.
    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &Self::Props, new: &Self::Props) -> Result<Option<Self::Attrs>, ResourceError>;

    /// Delete; a resource that is already gone is not an error.
    async fn delete(&self, cx: &Ctx<'_>, id: &str, props: &Self::Props) -> Result<(), ResourceError>;

    /// The physical ids of every resource of this type in the account and region, for
    /// `infra import --discover`; types that cannot be discovered list none.
    async fn list(&self, _cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        Ok(Vec::new())
    }

    /// The data the resource holds that its delete would take (objects, items,
    /// messages, a database), for the confirmation of a delete or replace. Types that
    /// hold data return it, empty or not; the rest hold none (the default). `None` also
    /// when the resource no longer exists.
    async fn contents(&self, _cx: &Ctx<'_>, _id: &str, _props: &Self::Props) -> Result<Option<Contents>, ResourceError> {
        Ok(None)
    }
}

/// One data-source type: a read-only lookup.
#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    type Props: PropType + DeserializeOwned + Send + Sync;
    type Attrs: AttrSet;
    const TYPE: &'static str;
    /// A manifest fragment using it, for the reference.
    const EXAMPLE: &'static str;
    async fn read(&self, cx: &Ctx<'_>, props: &Self::Props) -> Result<Self::Attrs, ResourceError>;
}

/// Split attributes into those that may be stored and the sensitive ones, registering
/// the sensitive values so they are masked everywhere.
pub fn split_sensitive(type_name: &str, attrs: Attrs) -> (Attrs, Attrs) {
    let sensitive: Vec<&str> =
        registry::resource(type_name).map(|r| r.attributes().iter().filter(|a| a.sensitive).map(|a| a.name).collect()).unwrap_or_default();
    let (mut plain, mut secret) = (Attrs::new(), Attrs::new());
    for (k, v) in attrs {
        if sensitive.contains(&k.as_str()) {
            if let Some(s) = v.as_str() {
                crate::secrets::register(s);
            }
            secret.insert(k, v);
        } else {
            plain.insert(k, v);
        }
    }
    (plain, secret)
}

crate::props! {
    /// The empty property set, for data sources that take none.
    pub struct NoProps {}
}
