//! `random.id`: random bytes generated once and kept in state, for names that must
//! change when a resource is re-created (the Aurora secret's suffix). No AWS call.

use std::collections::BTreeMap;

use async_trait::async_trait;
use rand::RngCore;

use super::{attr, Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::props;

props! {
    pub struct RandomIdProps {
        /// Number of random bytes; the `hex` attribute has twice as many characters.
        byte_length: i64 => default(4), replace;
        /// Arbitrary values; changing any of them generates a new id.
        keepers: Option<BTreeMap<String, String>> => optional, replace;
    }
}

pub struct RandomId;

fn outcome(hex: &str) -> Outcome {
    Outcome::new(hex).with("hex", hex)
}

#[async_trait]
impl Resource for RandomId {
    type Props = RandomIdProps;
    const TYPE: &'static str = "random.id";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("hex")];

    async fn create(&self, _cx: &Ctx<'_>, p: &RandomIdProps) -> Result<Outcome, ResourceError> {
        if !(1..=64).contains(&p.byte_length) {
            return Err(ResourceError::Invalid(format!("byte_length must be 1 to 64, not {}", p.byte_length)));
        }
        let mut bytes = vec![0u8; p.byte_length as usize];
        rand::rng().fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(outcome(&hex))
    }

    async fn read(&self, _cx: &Ctx<'_>, id: &str, p: &RandomIdProps) -> Result<Option<Observed<RandomIdProps>>, ResourceError> {
        Ok(Some(Observed { props: p.clone(), attrs: outcome(id).attrs }))
    }

    async fn update(&self, _cx: &Ctx<'_>, id: &str, _old: &RandomIdProps, _new: &RandomIdProps) -> Result<Outcome, ResourceError> {
        Ok(outcome(id))
    }

    async fn delete(&self, _cx: &Ctx<'_>, _id: &str, _p: &RandomIdProps) -> Result<(), ResourceError> {
        Ok(())
    }
}
