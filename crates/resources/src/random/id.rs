//! `random.id`: random bytes generated once and kept in state, for names that must
//! change when a resource is re-created (the Aurora secret's suffix). No AWS call.

use std::collections::BTreeMap;

use async_trait::async_trait;
use rand::RngCore;

use crate::schema::Check;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError, Skip};

props! {
    pub struct RandomIdProps {
        /// Number of random bytes; the `hex` attribute has twice as many characters.
        byte_length: i64 => default(4), replace, check(Check::Range { min: 1, max: 64 });
        /// Arbitrary values; changing any of them generates a new id.
        keepers: Option<BTreeMap<String, String>> => optional, replace;
    }
}

attrs! {
    pub struct RandomIdAttrs {
        /// The bytes as lowercase hex (also the id).
        hex: String,
    }
}

pub struct RandomId;

#[async_trait]
impl Resource for RandomId {
    type Props = RandomIdProps;
    type Attrs = RandomIdAttrs;
    const TYPE: &'static str = "random.id";
    const IDENTITY: Identity = Identity::Local;
    const EXAMPLE: Example = Example {
        manifest: "\n[resources.example]\ntype = \"random.id\"\nbyte_length = 4\n",
        updates: &[],
        replace: Some("byte_length = 8"),
        skip: &[
            (Skip::Update, "every property generates a new value"),
            (Skip::Drift, "it exists only in the state"),
            (Skip::Adopt, "nothing is sent to AWS, so nothing can be left there by a crash"),
            (Skip::Discover, "it exists only in the state: there is nothing in AWS to list"),
        ],
    };

    async fn create(&self, _cx: &Ctx<'_>, p: &RandomIdProps) -> Result<Created<RandomIdAttrs>, ResourceError> {
        let mut bytes = vec![0u8; p.byte_length.clamp(1, 64) as usize];
        rand::rng().fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Created::new(&hex, RandomIdAttrs { hex: hex.clone() }))
    }

    async fn read(
        &self,
        _cx: &Ctx<'_>,
        id: &str,
        p: &RandomIdProps,
    ) -> Result<Option<Observed<RandomIdProps, RandomIdAttrs>>, ResourceError> {
        Ok(Some(Observed { props: p.clone(), attrs: RandomIdAttrs { hex: id.to_string() } }))
    }

    async fn update(
        &self,
        _cx: &Ctx<'_>,
        _id: &str,
        _old: &RandomIdProps,
        _new: &RandomIdProps,
    ) -> Result<Option<RandomIdAttrs>, ResourceError> {
        Ok(None)
    }

    async fn delete(&self, _cx: &Ctx<'_>, _id: &str, _p: &RandomIdProps) -> Result<(), ResourceError> {
        Ok(())
    }
}
