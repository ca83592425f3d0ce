//! `dynamodb.table`: a table with its keys, global secondary indexes, TTL, point-in-time
//! recovery, encryption, stream, deletion protection and table class. Attribute
//! definitions follow from the keys, so a key can never lack one. Changing the table's
//! keys is a replace; adding or removing an index is an update.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType,
    PointInTimeRecoverySpecification, Projection, ProjectionType, ProvisionedThroughput, ScalarAttributeType, SseSpecification, SseStatus,
    SseType, StreamSpecification, StreamViewType, TableClass, TableDescription, TableStatus, Tag, TimeToLiveSpecification,
    TimeToLiveStatus,
};

use crate::aws::SdkResultExt;
use crate::contents::{self, Contents};
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Poll, Problem, Resource, ResourceError};

const KEY_TYPES: Check = Check::OneOf(&["S", "N", "B"]);

props! {
    /// A global secondary index: another key to query by.
    pub struct Index {
        name: String => required, check(rules::DYNAMODB_TABLE);
        hash_key: String => required;
        /// `S` (string), `N` (number) or `B` (binary).
        hash_key_type: String => default("S"), check(KEY_TYPES);
        range_key: Option<String> => optional;
        range_key_type: String => default("S"), check(KEY_TYPES);
        /// `ALL`, `KEYS_ONLY` or `INCLUDE` (with `non_key_attributes`).
        projection: String => default("ALL"), check(Check::OneOf(&["ALL", "KEYS_ONLY", "INCLUDE"]));
        non_key_attributes: Vec<String> => default([]);
        /// Provisioned tables only.
        read_capacity: Option<i64> => optional, check(Check::Range { min: 1, max: 40000 });
        write_capacity: Option<i64> => optional, check(Check::Range { min: 1, max: 40000 });
    }
}

props! {
    pub struct TableProps {
        name: String => required, replace, check(rules::DYNAMODB_TABLE);
        /// The partition key.
        hash_key: String => required, replace;
        hash_key_type: String => default("S"), replace, check(KEY_TYPES);
        /// The sort key, if any.
        range_key: Option<String> => optional, replace;
        range_key_type: String => default("S"), replace, check(KEY_TYPES);
        /// `PAY_PER_REQUEST` (no idle cost) or `PROVISIONED` (with the capacities).
        billing_mode: String => default("PAY_PER_REQUEST"), check(Check::OneOf(&["PAY_PER_REQUEST", "PROVISIONED"]));
        read_capacity: Option<i64> => optional, check(Check::Range { min: 1, max: 40000 });
        write_capacity: Option<i64> => optional, check(Check::Range { min: 1, max: 40000 });
        global_secondary_indexes: Vec<Index> => default([]);
        /// The attribute holding each item's expiry time (epoch seconds); none disables TTL.
        ttl_attribute: Option<String> => optional;
        /// Continuous backups: restore to any second of the last 35 days.
        point_in_time_recovery: bool => default(false);
        /// Encrypt with a KMS key (the AWS-managed `aws/dynamodb` one unless
        /// `kms_key_arn` names a customer key); `false` leaves AWS-owned-key encryption.
        server_side_encryption: bool => default(false);
        kms_key_arn: Option<String> => optional, check(Check::Arn);
        /// `NEW_IMAGE`, `OLD_IMAGE`, `NEW_AND_OLD_IMAGES` or `KEYS_ONLY`; none: no stream.
        stream_view_type: Option<String> => optional, check(Check::OneOf(&["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"]));
        /// AWS refuses to delete the table while this is on.
        deletion_protection: bool => default(false);
        table_class: String => default("STANDARD"), check(Check::OneOf(&["STANDARD", "STANDARD_INFREQUENT_ACCESS"]));
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct TableAttrs {
        name: String,
        arn: String,
        /// The stream's ARN, when a stream is on.
        stream_arn: Option<String>,
    }
}

pub struct Table;

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, ResourceError> {
    Ok(KeySchemaElement::builder().attribute_name(name).key_type(kind).build()?)
}

fn keys(hash: &str, range: Option<&str>) -> Result<Vec<KeySchemaElement>, ResourceError> {
    let mut out = vec![key(hash, KeyType::Hash)?];
    if let Some(r) = range {
        out.push(key(r, KeyType::Range)?);
    }
    Ok(out)
}

/// Every key attribute of the table and its indexes with its type.
fn attribute_types(p: &TableProps) -> BTreeMap<&str, &str> {
    let mut out = BTreeMap::from([(p.hash_key.as_str(), p.hash_key_type.as_str())]);
    if let Some(r) = &p.range_key {
        out.insert(r, &p.range_key_type);
    }
    for i in &p.global_secondary_indexes {
        out.entry(&i.hash_key).or_insert(&i.hash_key_type);
        if let Some(r) = &i.range_key {
            out.entry(r).or_insert(&i.range_key_type);
        }
    }
    out
}

fn definitions(p: &TableProps) -> Result<Vec<AttributeDefinition>, ResourceError> {
    attribute_types(p)
        .into_iter()
        .map(|(name, ty)| Ok(AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::from(ty)).build()?))
        .collect()
}

fn throughput(read: Option<i64>, write: Option<i64>) -> Option<ProvisionedThroughput> {
    match (read, write) {
        (Some(r), Some(w)) => ProvisionedThroughput::builder().read_capacity_units(r).write_capacity_units(w).build().ok(),
        _ => None,
    }
}

fn index(i: &Index, provisioned: bool) -> Result<GlobalSecondaryIndex, ResourceError> {
    let projection = Projection::builder()
        .projection_type(ProjectionType::from(i.projection.as_str()))
        .set_non_key_attributes((!i.non_key_attributes.is_empty()).then(|| i.non_key_attributes.clone()))
        .build();
    Ok(GlobalSecondaryIndex::builder()
        .index_name(&i.name)
        .set_key_schema(Some(keys(&i.hash_key, i.range_key.as_deref())?))
        .projection(projection)
        .set_provisioned_throughput(if provisioned { throughput(i.read_capacity, i.write_capacity) } else { None })
        .build()?)
}

fn sse(p: &TableProps) -> SseSpecification {
    if p.server_side_encryption || p.kms_key_arn.is_some() {
        SseSpecification::builder().enabled(true).sse_type(SseType::Kms).set_kms_master_key_id(p.kms_key_arn.clone()).build()
    } else {
        SseSpecification::builder().enabled(false).build()
    }
}

fn stream(view: Option<&str>) -> Result<StreamSpecification, ResourceError> {
    Ok(StreamSpecification::builder().stream_enabled(view.is_some()).set_stream_view_type(view.map(StreamViewType::from)).build()?)
}

fn attrs(t: &TableDescription) -> TableAttrs {
    TableAttrs {
        name: t.table_name().unwrap_or_default().to_string(),
        arn: t.table_arn().unwrap_or_default().to_string(),
        stream_arn: t.latest_stream_arn().filter(|_| t.stream_specification().is_some_and(|s| s.stream_enabled())).map(str::to_string),
    }
}

impl Table {
    async fn describe(cx: &Ctx<'_>, name: &str) -> Result<Option<TableDescription>, ResourceError> {
        let out = cx
            .aws
            .dynamodb()
            .describe_table()
            .table_name(name)
            .send()
            .await
            .found("DescribeTable", |e| e.is_resource_not_found_exception())?;
        Ok(out.and_then(|o| o.table))
    }

    /// The table and every index active: DynamoDB takes one change at a time.
    async fn wait_active(cx: &Ctx<'_>, name: &str) -> Result<TableDescription, ResourceError> {
        cx.wait_ready(&format!("table {name}"), || async {
            Ok(match Self::describe(cx, name).await? {
                None => Poll::Gone,
                Some(t)
                    if t.table_status() == Some(&TableStatus::Active)
                        && t.global_secondary_indexes().iter().all(|i| i.index_status().is_none_or(|s| s.as_str() == "ACTIVE")) =>
                {
                    Poll::Ready(t)
                }
                Some(t) if matches!(t.table_status(), Some(TableStatus::InaccessibleEncryptionCredentials)) => {
                    Poll::Failed("its KMS key is not accessible".into())
                }
                Some(_) => Poll::Pending,
            })
        })
        .await
    }

    async fn set_ttl(cx: &Ctx<'_>, name: &str, attribute: &str, enabled: bool) -> Result<(), ResourceError> {
        let spec = TimeToLiveSpecification::builder().attribute_name(attribute).enabled(enabled).build()?;
        cx.aws.dynamodb().update_time_to_live().table_name(name).time_to_live_specification(spec).send().await.api("UpdateTimeToLive")?;
        Ok(())
    }

    async fn set_pitr(cx: &Ctx<'_>, name: &str, on: bool) -> Result<(), ResourceError> {
        let spec = PointInTimeRecoverySpecification::builder().point_in_time_recovery_enabled(on).build()?;
        let req = cx.aws.dynamodb().update_continuous_backups().table_name(name).point_in_time_recovery_specification(spec);
        req.send().await.api("UpdateContinuousBackups")?;
        Ok(())
    }
}

#[async_trait]
impl Resource for Table {
    type Props = TableProps;
    type Attrs = TableAttrs;
    const TYPE: &'static str = "dynamodb.table";
    const IDENTITY: Identity = Identity::Named("name");
    // Encryption and the stream are set at creation: the emulator ignores encryption in
    // UpdateTable and cannot turn a stream back on once off (docs/architecture.md, "The
    // emulator"). Notes like this stay out of the manifest, which `infra schema` shows.
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "dynamodb.table"
name = "conformance-trades"
hash_key = "trade_id"
range_key = "internal_reference"
global_secondary_indexes = [{ name = "by-status", hash_key = "status", range_key = "created_at" }]
ttl_attribute = "expiresAt"
server_side_encryption = true
stream_view_type = "NEW_AND_OLD_IMAGES"
"#,
        updates: &[
            "point_in_time_recovery = true",
            "global_secondary_indexes = [{ name = \"by-status\", hash_key = \"status\", range_key = \"created_at\" }, { name = \"by-agent\", hash_key = \"agent_id\", projection = \"KEYS_ONLY\" }]",
            "ttl_attribute = \"expires_at\"",
        ],
        replace: Some("range_key = \"booked_at\""),
        skip: &[],
    };

    fn early(&self, p: &TableProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("name", p.name.clone()), ("arn", format!("arn:{}:dynamodb:{}:{}:table/{}", at.partition, at.region, at.account_id, p.name))]
    }

    fn check(&self, p: &TableProps) -> Vec<Problem> {
        let mut out = Vec::new();
        let provisioned = p.billing_mode == "PROVISIONED";
        if provisioned != (p.read_capacity.is_some() && p.write_capacity.is_some()) {
            let why = if provisioned {
                "a PROVISIONED table needs read_capacity and write_capacity"
            } else {
                "capacities apply only to billing_mode = \"PROVISIONED\""
            };
            out.push(("billing_mode".into(), why.to_string()));
        }
        let mut types: BTreeMap<&str, &str> = BTreeMap::from([(p.hash_key.as_str(), p.hash_key_type.as_str())]);
        if let Some(r) = &p.range_key {
            if *r == p.hash_key {
                out.push(("range_key".into(), format!("range_key `{r}` is also the hash_key")));
            }
            types.insert(r, &p.range_key_type);
        }
        let mut names = std::collections::BTreeSet::new();
        for (n, i) in p.global_secondary_indexes.iter().enumerate() {
            let at = format!("global_secondary_indexes[{n}]");
            if !names.insert(i.name.as_str()) {
                out.push((at.clone(), format!("two indexes are named `{}`", i.name)));
            }
            for (attr, ty) in [(Some(&i.hash_key), &i.hash_key_type), (i.range_key.as_ref(), &i.range_key_type)] {
                let Some(attr) = attr else { continue };
                match types.get(attr.as_str()) {
                    Some(t) if t != ty => out.push((at.clone(), format!("attribute `{attr}` is type {ty} here but {t} elsewhere"))),
                    _ => {
                        types.insert(attr, ty);
                    }
                }
            }
            if i.projection != "INCLUDE" && !i.non_key_attributes.is_empty() {
                out.push((at.clone(), "non_key_attributes need projection = \"INCLUDE\"".into()));
            }
        }
        out
    }

    async fn create(&self, cx: &Ctx<'_>, p: &TableProps) -> Result<Created<TableAttrs>, ResourceError> {
        let provisioned = p.billing_mode == "PROVISIONED";
        let indexes = p.global_secondary_indexes.iter().map(|i| index(i, provisioned)).collect::<Result<Vec<_>, _>>()?;
        let tags = p.tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect::<Result<Vec<_>, _>>()?;
        cx.aws
            .dynamodb()
            .create_table()
            .table_name(&p.name)
            .set_attribute_definitions(Some(definitions(p)?))
            .set_key_schema(Some(keys(&p.hash_key, p.range_key.as_deref())?))
            .billing_mode(BillingMode::from(p.billing_mode.as_str()))
            .set_provisioned_throughput(throughput(p.read_capacity, p.write_capacity))
            .set_global_secondary_indexes((!indexes.is_empty()).then_some(indexes))
            .sse_specification(sse(p))
            .set_stream_specification(p.stream_view_type.as_deref().map(|v| stream(Some(v))).transpose()?)
            .deletion_protection_enabled(p.deletion_protection)
            .table_class(TableClass::from(p.table_class.as_str()))
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .api("CreateTable")?;
        let table = Self::wait_active(cx, &p.name).await?;
        if let Some(attr) = &p.ttl_attribute {
            Self::set_ttl(cx, &p.name, attr, true).await?;
        }
        if p.point_in_time_recovery {
            Self::set_pitr(cx, &p.name, true).await?;
        }
        Ok(Created::new(&p.name, attrs(&table)))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &TableProps) -> Result<Option<Observed<TableProps, TableAttrs>>, ResourceError> {
        let Some(t) = Self::describe(cx, id).await? else { return Ok(None) };
        let db = cx.aws.dynamodb();
        let arn = t.table_arn().unwrap_or_default();
        let (ttl, backups, tag_list) = tokio::join!(
            db.describe_time_to_live().table_name(id).send(),
            db.describe_continuous_backups().table_name(id).send(),
            db.list_tags_of_resource().resource_arn(arn).send()
        );
        let ttl = ttl.api("DescribeTimeToLive")?;
        let ttl = ttl
            .time_to_live_description()
            .filter(|d| matches!(d.time_to_live_status(), Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)));
        let pitr = backups
            .api("DescribeContinuousBackups")?
            .continuous_backups_description()
            .and_then(|d| d.point_in_time_recovery_description())
            .and_then(|d| d.point_in_time_recovery_status())
            .is_some_and(|s| s.as_str() == "ENABLED");
        let live_tags = tag_list.api("ListTagsOfResource")?.tags.unwrap_or_default();
        let types: BTreeMap<&str, &str> =
            t.attribute_definitions().iter().map(|d| (d.attribute_name(), d.attribute_type().as_str())).collect();
        let key_of = |schema: &[KeySchemaElement], kind: KeyType| {
            schema.iter().find(|k| *k.key_type() == kind).map(|k| k.attribute_name().to_string())
        };
        let type_of = |name: &Option<String>, default: &str| {
            name.as_deref().and_then(|n| types.get(n)).map(|t| t.to_string()).unwrap_or_else(|| default.to_string())
        };
        let hash_key = key_of(t.key_schema(), KeyType::Hash);
        let range_key = key_of(t.key_schema(), KeyType::Range);
        let provisioned = t
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|m| m.as_str() == "PROVISIONED")
            .unwrap_or(p.billing_mode == "PROVISIONED");
        let capacity = |read: bool| -> Option<i64> {
            let tp = t.provisioned_throughput().filter(|_| provisioned)?;
            if read {
                tp.read_capacity_units()
            } else {
                tp.write_capacity_units()
            }
        };
        let global_secondary_indexes = t
            .global_secondary_indexes()
            .iter()
            .map(|i| {
                let (ih, ir) = (key_of(i.key_schema(), KeyType::Hash), key_of(i.key_schema(), KeyType::Range));
                let projection = i.projection();
                let tp = i.provisioned_throughput().filter(|_| provisioned);
                Index {
                    name: i.index_name().unwrap_or_default().to_string(),
                    hash_key_type: type_of(&ih, "S"),
                    hash_key: ih.unwrap_or_default(),
                    range_key_type: type_of(&ir, "S"),
                    range_key: ir,
                    projection: projection
                        .and_then(|p| p.projection_type())
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_else(|| "ALL".into()),
                    non_key_attributes: projection.map(|p| p.non_key_attributes().to_vec()).unwrap_or_default(),
                    read_capacity: tp.and_then(|t| t.read_capacity_units()),
                    write_capacity: tp.and_then(|t| t.write_capacity_units()),
                }
            })
            .collect::<Vec<_>>();
        let sse = t.sse_description().filter(|d| matches!(d.status(), Some(SseStatus::Enabled | SseStatus::Enabling)));
        let props = TableProps {
            name: t.table_name().unwrap_or(id).to_string(),
            hash_key_type: type_of(&hash_key, "S"),
            hash_key: hash_key.unwrap_or_default(),
            range_key_type: type_of(&range_key, "S"),
            range_key,
            billing_mode: if provisioned { "PROVISIONED" } else { "PAY_PER_REQUEST" }.to_string(),
            read_capacity: capacity(true),
            write_capacity: capacity(false),
            global_secondary_indexes: sorted_like(global_secondary_indexes, &p.global_secondary_indexes),
            ttl_attribute: ttl.and_then(|d| d.attribute_name()).map(str::to_string),
            point_in_time_recovery: pitr,
            server_side_encryption: sse.is_some(),
            // The AWS-managed key's ARN is not something the manifest names.
            kms_key_arn: sse.and_then(|d| d.kms_master_key_arn()).filter(|_| p.kms_key_arn.is_some()).map(str::to_string),
            stream_view_type: t
                .stream_specification()
                .filter(|s| s.stream_enabled())
                .and_then(|s| s.stream_view_type())
                .map(|v| v.as_str().to_string()),
            deletion_protection: t.deletion_protection_enabled().unwrap_or(false),
            table_class: t
                .table_class_summary()
                .and_then(|c| c.table_class())
                .map(|c| c.as_str().to_string())
                .unwrap_or_else(|| "STANDARD".into()),
            tags: tags::live(live_tags.iter().map(|t| (t.key(), t.value()))),
        };
        Ok(Some(Observed { props, attrs: attrs(&t) }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &TableProps, new: &TableProps) -> Result<Option<TableAttrs>, ResourceError> {
        let db = cx.aws.dynamodb();
        let provisioned = new.billing_mode == "PROVISIONED";
        // One change per UpdateTable call, each waited for: that is what DynamoDB accepts.
        if old.billing_mode != new.billing_mode || old.read_capacity != new.read_capacity || old.write_capacity != new.write_capacity {
            db.update_table()
                .table_name(id)
                .billing_mode(BillingMode::from(new.billing_mode.as_str()))
                .set_provisioned_throughput(throughput(new.read_capacity, new.write_capacity))
                .send()
                .await
                .api("UpdateTable")?;
            Self::wait_active(cx, id).await?;
        }
        let gone = old.global_secondary_indexes.iter().filter(|i| !new.global_secondary_indexes.contains(i));
        for i in gone {
            let delete = aws_sdk_dynamodb::types::DeleteGlobalSecondaryIndexAction::builder().index_name(&i.name).build()?;
            db.update_table()
                .table_name(id)
                .global_secondary_index_updates(GlobalSecondaryIndexUpdate::builder().delete(delete).build())
                .send()
                .await
                .api("UpdateTable")?;
            Self::wait_active(cx, id).await?;
        }
        let added = new.global_secondary_indexes.iter().filter(|i| !old.global_secondary_indexes.contains(i));
        for i in added {
            let gsi = index(i, provisioned)?;
            let create = aws_sdk_dynamodb::types::CreateGlobalSecondaryIndexAction::builder()
                .index_name(&i.name)
                .set_key_schema(Some(gsi.key_schema().to_vec()))
                .set_projection(gsi.projection().cloned())
                .set_provisioned_throughput(gsi.provisioned_throughput().cloned())
                .build()?;
            db.update_table()
                .table_name(id)
                .set_attribute_definitions(Some(definitions(new)?))
                .global_secondary_index_updates(GlobalSecondaryIndexUpdate::builder().create(create).build())
                .send()
                .await
                .api("UpdateTable")?;
            Self::wait_active(cx, id).await?;
        }
        if (old.server_side_encryption, &old.kms_key_arn) != (new.server_side_encryption, &new.kms_key_arn) {
            db.update_table().table_name(id).sse_specification(sse(new)).send().await.api("UpdateTable")?;
            Self::wait_active(cx, id).await?;
        }
        if old.stream_view_type != new.stream_view_type {
            // A stream's view type cannot change while it is on: off first.
            if old.stream_view_type.is_some() {
                db.update_table().table_name(id).stream_specification(stream(None)?).send().await.api("UpdateTable")?;
                Self::wait_active(cx, id).await?;
            }
            if let Some(view) = &new.stream_view_type {
                db.update_table().table_name(id).stream_specification(stream(Some(view))?).send().await.api("UpdateTable")?;
                Self::wait_active(cx, id).await?;
            }
        }
        if old.deletion_protection != new.deletion_protection || old.table_class != new.table_class {
            db.update_table()
                .table_name(id)
                .deletion_protection_enabled(new.deletion_protection)
                .table_class(TableClass::from(new.table_class.as_str()))
                .send()
                .await
                .api("UpdateTable")?;
            Self::wait_active(cx, id).await?;
        }
        if old.ttl_attribute != new.ttl_attribute {
            if let Some(attr) = &old.ttl_attribute {
                Self::set_ttl(cx, id, attr, false).await?;
            }
            if let Some(attr) = &new.ttl_attribute {
                Self::set_ttl(cx, id, attr, true).await?;
            }
        }
        if old.point_in_time_recovery != new.point_in_time_recovery {
            Self::set_pitr(cx, id, new.point_in_time_recovery).await?;
        }
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        let table = Self::wait_active(cx, id).await?;
        let arn = table.table_arn().unwrap_or_default();
        if !set.is_empty() {
            let list = set.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect::<Result<Vec<_>, _>>()?;
            db.tag_resource().resource_arn(arn).set_tags(Some(list)).send().await.api("TagResource")?;
        }
        if !remove.is_empty() {
            db.untag_resource().resource_arn(arn).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
        }
        Ok(Some(attrs(&table)))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.dynamodb().list_tables().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("ListTables")?.table_names().iter().cloned());
        }
        Ok(out)
    }

    /// DescribeTable's item count and size: DynamoDB refreshes them about every six
    /// hours, so they are approximate (a scan to count would read, and bill, every item).
    async fn contents(&self, cx: &Ctx<'_>, id: &str, p: &TableProps) -> Result<Option<Contents>, ResourceError> {
        let Some(table) = Self::describe(cx, id).await? else { return Ok(None) };
        let items = table.item_count().unwrap_or(0).max(0) as u64;
        let size = table.table_size_bytes().unwrap_or(0).max(0) as u64;
        let mut held = format!("about {}", contents::count(items, "item"));
        if size > 0 {
            held.push_str(&format!(", {}", contents::bytes(size)));
        }
        // AWS keeps a system backup of a table deleted with point-in-time recovery on.
        let kept = p.point_in_time_recovery.then(|| "a system backup is kept for 35 days (point-in-time recovery is on)".to_string());
        Ok(Some(Contents { held, kept }))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &TableProps) -> Result<(), ResourceError> {
        let gone =
            cx.aws.dynamodb().delete_table().table_name(id).send().await.found("DeleteTable", |e| e.is_resource_not_found_exception())?;
        if gone.is_some() {
            cx.wait_gone(&format!("table {id}"), || async { Ok(Self::describe(cx, id).await?.is_some()) }).await?;
        }
        Ok(())
    }
}

/// Indexes in the manifest's order where names match, so that the order AWS lists
/// them in is not reported as a change.
fn sorted_like(mut live: Vec<Index>, wanted: &[Index]) -> Vec<Index> {
    live.sort_by_key(|i| wanted.iter().position(|w| w.name == i.name).unwrap_or(usize::MAX));
    live
}
