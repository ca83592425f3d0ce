//! `kinesis.stream`: a Kinesis data stream, provisioned (a number of shards) or on demand
//! (scaling by itself). The mode, the shard count, the retention and the KMS key change in
//! place (shards are split or merged, at most doubling or halving per step as AWS allows);
//! the name replaces it.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_kinesis::types::{EncryptionType, ScalingType, StreamDescriptionSummary, StreamMode, StreamModeDetails, StreamStatus};

use crate::aws::SdkResultExt;
use crate::contents::{self, Contents};
use crate::schema::check::Chars;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Poll, Problem, Resource, ResourceError};

props! {
    pub struct StreamProps {
        name: String => required, replace, check(Check::Name { what: "stream name", min: 1, max: 128, chars: Chars::AlnumDashUnderscoreDot });
        /// `PROVISIONED` (the shards below) or `ON_DEMAND` (AWS scales the shards, priced per hour and GB).
        stream_mode: String => default("PROVISIONED"), check(Check::OneOf(&["PROVISIONED", "ON_DEMAND"]));
        /// Provisioned streams: the number of shards (each takes 1 MB/s in and gives 2 MB/s out).
        shard_count: Option<i64> => optional, check(Check::Range { min: 1, max: 100000 });
        /// How long records stay readable: 24 hours to 8760 (a year).
        retention_hours: i64 => default(24), check(Check::Range { min: 24, max: 8760 });
        /// Encrypt records with this KMS key (ARN, id, or alias such as `alias/aws/kinesis`); unencrypted when absent.
        kms_key_id: Option<String> => optional;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct StreamAttrs {
        /// The ARN: what consumers, event source mappings and policies name.
        arn: String,
        name: String,
    }
}

pub struct Stream;

const DEFAULT_RETENTION: i64 = 24;

fn provisioned(p: &StreamProps) -> bool {
    p.stream_mode == "PROVISIONED"
}

fn mode(p: &StreamProps) -> Result<StreamModeDetails, ResourceError> {
    Ok(StreamModeDetails::builder().stream_mode(StreamMode::from(p.stream_mode.as_str())).build()?)
}

/// `None` when there is no such stream, or it is being deleted.
async fn summary(cx: &Ctx<'_>, name: &str) -> Result<Option<StreamDescriptionSummary>, ResourceError> {
    let req = cx.aws.kinesis().describe_stream_summary().stream_name(name);
    let out = req.send().await.found("DescribeStreamSummary", |e| e.is_resource_not_found_exception())?;
    Ok(out.and_then(|o| o.stream_description_summary).filter(|s| *s.stream_status() != StreamStatus::Deleting))
}

/// Each change puts a stream in UPDATING, which refuses the next change until it is ACTIVE again.
async fn wait_active(cx: &Ctx<'_>, name: &str) -> Result<StreamDescriptionSummary, ResourceError> {
    cx.wait_ready(&format!("stream {name}"), || async {
        Ok(match summary(cx, name).await? {
            None => Poll::Gone,
            Some(s) if *s.stream_status() == StreamStatus::Active => Poll::Ready(s),
            Some(_) => Poll::Pending,
        })
    })
    .await
}

/// Split or merge shards until the stream has `target`: one UpdateShardCount may at most
/// double or halve the open shards.
async fn scale(cx: &Ctx<'_>, name: &str, mut current: i64, target: i64) -> Result<(), ResourceError> {
    while current != target {
        let step = target.clamp((current + 1) / 2, current * 2);
        let req = cx.aws.kinesis().update_shard_count().stream_name(name).target_shard_count(step as i32);
        req.scaling_type(ScalingType::UniformScaling).send().await.api("UpdateShardCount")?;
        current = i64::from(wait_active(cx, name).await?.open_shard_count());
    }
    Ok(())
}

async fn set_retention(cx: &Ctx<'_>, name: &str, current: i64, target: i64) -> Result<(), ResourceError> {
    let kinesis = cx.aws.kinesis();
    if target > current {
        let req = kinesis.increase_stream_retention_period().stream_name(name).retention_period_hours(target as i32);
        req.send().await.api("IncreaseStreamRetentionPeriod")?;
    } else if target < current {
        let req = kinesis.decrease_stream_retention_period().stream_name(name).retention_period_hours(target as i32);
        req.send().await.api("DecreaseStreamRetentionPeriod")?;
    } else {
        return Ok(());
    }
    wait_active(cx, name).await.map(|_| ())
}

/// StartStreamEncryption also moves an encrypted stream to another key.
async fn set_key(cx: &Ctx<'_>, name: &str, current: Option<&str>, target: Option<&str>) -> Result<(), ResourceError> {
    let kinesis = cx.aws.kinesis();
    match (current, target) {
        (a, b) if a == b => return Ok(()),
        (_, Some(key)) => {
            let req = kinesis.start_stream_encryption().stream_name(name).encryption_type(EncryptionType::Kms).key_id(key);
            req.send().await.api("StartStreamEncryption")?;
        }
        (Some(key), None) => {
            let req = kinesis.stop_stream_encryption().stream_name(name).encryption_type(EncryptionType::Kms).key_id(key);
            req.send().await.api("StopStreamEncryption")?;
        }
        (None, None) => return Ok(()),
    }
    wait_active(cx, name).await.map(|_| ())
}

fn live_key(s: &StreamDescriptionSummary) -> Option<&str> {
    s.key_id().filter(|_| s.encryption_type() == Some(&EncryptionType::Kms))
}

fn live_mode(s: &StreamDescriptionSummary) -> &str {
    s.stream_mode_details().map_or("PROVISIONED", |m| m.stream_mode().as_str())
}

async fn live_tags(cx: &Ctx<'_>, name: &str) -> Result<Tags, ResourceError> {
    let mut pairs = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let req = cx.aws.kinesis().list_tags_for_stream().stream_name(name).set_exclusive_start_tag_key(start);
        let page = req.send().await.api("ListTagsForStream")?;
        pairs.extend(page.tags().iter().map(|t| (t.key().to_string(), t.value().unwrap_or_default().to_string())));
        start = pairs.last().map(|(k, _)| k.clone());
        if !page.has_more_tags() || page.tags().is_empty() {
            return Ok(tags::live(pairs));
        }
    }
}

#[async_trait]
impl Resource for Stream {
    type Props = StreamProps;
    type Attrs = StreamAttrs;
    const TYPE: &'static str = "kinesis.stream";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.key]
type = "kms.key"
description = "Click records"
deletion_window_days = 7

[resources.example]
type = "kinesis.stream"
name = "conformance-clicks"
stream_mode = "ON_DEMAND"
"#,
        updates: &[
            "stream_mode = \"PROVISIONED\"\nshard_count = 2",
            "shard_count = 1",
            "retention_hours = 48",
            "kms_key_id = \"${resources.key.arn}\"",
            "kms_key_id = \"alias/aws/kinesis\"",
        ],
        replace: Some("name = \"conformance-clicks-2\""),
        skip: &[],
    };

    fn check(&self, p: &StreamProps) -> Vec<Problem> {
        match (provisioned(p), p.shard_count) {
            (true, None) => {
                vec![("shard_count".into(), "a provisioned stream needs its number of shards (or `stream_mode = \"ON_DEMAND\"`)".into())]
            }
            (false, Some(_)) => {
                vec![("shard_count".into(), "an on-demand stream's shards are AWS's to scale: leave shard_count out".into())]
            }
            _ => Vec::new(),
        }
    }

    fn early(&self, p: &StreamProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let arn = format!("arn:{}:kinesis:{}:{}:stream/{}", at.partition, at.region, at.account_id, p.name);
        vec![("id", p.name.clone()), ("name", p.name.clone()), ("arn", arn)]
    }

    async fn create(&self, cx: &Ctx<'_>, p: &StreamProps) -> Result<Created<StreamAttrs>, ResourceError> {
        let tag_map: HashMap<String, String> = p.tags.clone().into_iter().collect();
        cx.aws
            .kinesis()
            .create_stream()
            .stream_name(&p.name)
            .set_shard_count(p.shard_count.filter(|_| provisioned(p)).map(|n| n as i32))
            .stream_mode_details(mode(p)?)
            .set_tags((!tag_map.is_empty()).then_some(tag_map))
            .send()
            .await
            .api("CreateStream")?;
        // Retention and encryption are set on the stream once it is active.
        let mut s = wait_active(cx, &p.name).await?;
        set_retention(cx, &p.name, DEFAULT_RETENTION, p.retention_hours).await?;
        if p.kms_key_id.is_some() {
            set_key(cx, &p.name, None, p.kms_key_id.as_deref()).await?;
            s = wait_active(cx, &p.name).await?;
        }
        Ok(Created::new(&p.name, StreamAttrs { arn: s.stream_arn().to_string(), name: p.name.clone() }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, _p: &StreamProps) -> Result<Option<Observed<StreamProps, StreamAttrs>>, ResourceError> {
        let Some(s) = summary(cx, id).await? else { return Ok(None) };
        let stream_mode = live_mode(&s).to_string();
        let props = StreamProps {
            name: s.stream_name().to_string(),
            shard_count: (stream_mode == "PROVISIONED").then(|| i64::from(s.open_shard_count())),
            stream_mode,
            retention_hours: i64::from(s.retention_period_hours()),
            kms_key_id: live_key(&s).map(str::to_string),
            tags: live_tags(cx, id).await?,
        };
        Ok(Some(Observed { props, attrs: StreamAttrs { arn: s.stream_arn().to_string(), name: id.to_string() } }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &StreamProps, new: &StreamProps) -> Result<Option<StreamAttrs>, ResourceError> {
        let kinesis = cx.aws.kinesis();
        // Decided by the stream as it is: a change made outside infra still reaches the target.
        let mut s = wait_active(cx, id).await?;
        if live_mode(&s) != new.stream_mode {
            kinesis.update_stream_mode().stream_arn(s.stream_arn()).stream_mode_details(mode(new)?).send().await.api("UpdateStreamMode")?;
            s = wait_active(cx, id).await?;
        }
        if let Some(target) = new.shard_count.filter(|_| provisioned(new)) {
            scale(cx, id, i64::from(s.open_shard_count()), target).await?;
        }
        set_retention(cx, id, i64::from(s.retention_period_hours()), new.retention_hours).await?;
        set_key(cx, id, live_key(&s), new.kms_key_id.as_deref()).await?;
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() {
            kinesis.add_tags_to_stream().stream_name(id).set_tags(Some(set.into_iter().collect())).send().await.api("AddTagsToStream")?;
        }
        if !remove.is_empty() {
            kinesis.remove_tags_from_stream().stream_name(id).set_tag_keys(Some(remove)).send().await.api("RemoveTagsFromStream")?;
        }
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &StreamProps) -> Result<(), ResourceError> {
        let req = cx.aws.kinesis().delete_stream().stream_name(id);
        if req.send().await.found("DeleteStream", |e| e.is_resource_not_found_exception())?.is_none() {
            return Ok(());
        }
        // A stream of the same name cannot be created while this one is still deleting.
        cx.wait_gone(&format!("stream {id}"), || async {
            let req = cx.aws.kinesis().describe_stream_summary().stream_name(id);
            Ok(req.send().await.found("DescribeStreamSummary", |e| e.is_resource_not_found_exception())?.is_some())
        })
        .await
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out: Vec<String> = Vec::new();
        loop {
            let req = cx.aws.kinesis().list_streams().set_exclusive_start_stream_name(out.last().cloned());
            let page = req.send().await.api("ListStreams")?;
            out.extend(page.stream_names().iter().cloned());
            if !page.has_more_streams() || page.stream_names().is_empty() {
                return Ok(out);
            }
        }
    }

    /// Kinesis counts no records: what a delete takes is the retention window of every shard.
    async fn contents(&self, cx: &Ctx<'_>, id: &str, _p: &StreamProps) -> Result<Option<Contents>, ResourceError> {
        let Some(s) = summary(cx, id).await? else { return Ok(None) };
        let shards = contents::count(s.open_shard_count().max(0) as u64, "shard");
        let held = format!("the records of the last {} hours in {shards}", s.retention_period_hours());
        Ok(Some(Contents { held, kept: None }))
    }
}
