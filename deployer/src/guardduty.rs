//! Finding this Region's GuardDuty detector for a stack that exports GuardDuty findings, so the
//! user need not look it up: a stack declaring `DetectorId` and `CreateDetector`, neither given,
//! gets `DetectorId` = the Region's one detector. No detector, or a lookup that fails, is an
//! error that says which parameter to pass.

use generator::stacks::params;
use serde_json::Value as Json;
use std::future::Future;

/// Lists this Region's GuardDuty detector IDs.
pub trait DetectorSource {
    /// The detector IDs, or the reason they could not be listed.
    fn detector_ids(&self) -> impl Future<Output = Result<Vec<String>, String>> + Send;
}

/// ListDetectors through aws-sdk-guardduty.
#[derive(Debug, Clone)]
pub struct GuardDutyDetectors(pub aws_sdk_guardduty::Client);

impl GuardDutyDetectors {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        GuardDutyDetectors(aws_sdk_guardduty::Client::new(config))
    }
}

impl DetectorSource for GuardDutyDetectors {
    async fn detector_ids(&self) -> Result<Vec<String>, String> {
        let mut ids = Vec::new();
        let mut pages = self.0.list_detectors().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                use aws_sdk_guardduty::error::ProvideErrorMetadata;
                match (e.code(), e.message()) {
                    (Some(code), Some(message)) => format!("{code}: {message}"),
                    _ => aws_sdk_guardduty::error::DisplayErrorContext(e).to_string(),
                }
            })?;
            ids.extend(page.detector_ids().iter().cloned());
        }
        Ok(ids)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DetectorError {
    #[error("this Region has no GuardDuty detector: pass --param CreateDetector=true to create one (it enables GuardDuty's default, billed protection plans), or enable GuardDuty first")]
    NoDetector,
    #[error("this Region has {} GuardDuty detectors ({}): pass --param DetectorId=<one of them>", .0.len(), .0.join(", "))]
    Several(Vec<String>),
    #[error("could not look up this Region's GuardDuty detector ({0}): pass --param DetectorId=<id> (its 32-character detector ID) or --param CreateDetector=true")]
    LookupFailed(String),
}

fn value_of<'a>(template: &'a Json, given: &'a [(String, String)], name: &str) -> Option<&'a str> {
    given
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .or_else(|| template["Parameters"][name]["Default"].as_str())
}

/// Whether to look the detector up: the template declares `DetectorId` and `CreateDetector`,
/// the caller gave neither, and the stack does not use an existing bucket
/// (`UseExistingBucket` = "true", where the existing bucket's setup owns the export).
pub fn needs_lookup(template: &Json, given: &[(String, String)]) -> bool {
    let declares = |name: &str| template["Parameters"].get(name).is_some();
    let gave = |name: &str| given.iter().any(|(k, _)| k == name);
    declares(params::DETECTOR_ID)
        && declares(params::CREATE_DETECTOR)
        && !gave(params::DETECTOR_ID)
        && !gave(params::CREATE_DETECTOR)
        && value_of(template, given, params::USE_EXISTING_BUCKET) != Some("true")
}

/// The detector ID to deploy with, from the Region's detectors (or the lookup's error).
pub fn choose(detectors: Result<Vec<String>, String>) -> Result<String, DetectorError> {
    let mut ids = detectors.map_err(DetectorError::LookupFailed)?;
    match ids.len() {
        0 => Err(DetectorError::NoDetector),
        1 => Ok(ids.remove(0)),
        _ => Err(DetectorError::Several(ids)),
    }
}

/// `Some(detector ID)` to pass as `DetectorId` when [`needs_lookup`]; `None` when the caller's
/// parameters (or existing-bucket mode) already decide, without calling `source`.
pub async fn detector_parameter(
    source: &impl DetectorSource,
    template: &Json,
    given: &[(String, String)],
) -> Result<Option<String>, DetectorError> {
    if !needs_lookup(template, given) {
        return Ok(None);
    }
    choose(source.detector_ids().await).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const ID: &str = "0123456789abcdef0123456789abcdef";

    struct Fake {
        answer: Result<Vec<String>, String>,
        calls: AtomicUsize,
    }

    impl Fake {
        fn new(answer: Result<Vec<&str>, &str>) -> Self {
            Fake {
                answer: answer
                    .map(|ids| ids.into_iter().map(String::from).collect())
                    .map_err(String::from),
                calls: AtomicUsize::new(0),
            }
        }
    }

    impl DetectorSource for Fake {
        async fn detector_ids(&self) -> Result<Vec<String>, String> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.answer.clone()
        }
    }

    fn template() -> Json {
        json!({"Parameters": {
            "UseExistingBucket": {"Type": "String", "Default": "false"},
            "DetectorId": {"Type": "String", "Default": ""},
            "CreateDetector": {"Type": "String", "Default": "false"}
        }})
    }

    fn given(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    async fn run(
        source: &Fake,
        template: &Json,
        p: &[(&str, &str)],
    ) -> Result<Option<String>, DetectorError> {
        detector_parameter(source, template, &given(p)).await
    }

    #[tokio::test]
    async fn one_detector_is_used() {
        let source = Fake::new(Ok(vec![ID]));
        assert_eq!(run(&source, &template(), &[]).await, Ok(Some(ID.into())));
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn no_detector_says_how_to_create_one() {
        let source = Fake::new(Ok(vec![]));
        let err = run(&source, &template(), &[]).await.unwrap_err();
        assert_eq!(err, DetectorError::NoDetector);
        assert_eq!(
            err.to_string(),
            "this Region has no GuardDuty detector: pass --param CreateDetector=true to create one (it enables GuardDuty's default, billed protection plans), or enable GuardDuty first"
        );
    }

    #[tokio::test]
    async fn a_failed_lookup_names_both_parameters_and_the_sdk_message() {
        let source = Fake::new(Err("InternalFailure: The API for service guardduty is either not included in your current license plan or has not yet been emulated by LocalStack."));
        let err = run(&source, &template(), &[])
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("--param DetectorId=<id>"), "{err}");
        assert!(err.contains("--param CreateDetector=true"), "{err}");
        assert!(err.contains("not yet been emulated by LocalStack"), "{err}");
    }

    #[tokio::test]
    async fn several_detectors_are_listed() {
        let other = "fedcba9876543210fedcba9876543210";
        let err = run(&Fake::new(Ok(vec![ID, other])), &template(), &[])
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(ID) && err.contains(other), "{err}");
    }

    #[tokio::test]
    async fn the_callers_parameters_win_and_no_lookup_is_made() {
        for p in [
            &[("DetectorId", ID)][..],
            &[("CreateDetector", "true")],
            &[("CreateDetector", "false")],
            &[("DetectorId", "")],
            &[("UseExistingBucket", "true")],
        ] {
            let source = Fake::new(Ok(vec!["unused"]));
            assert_eq!(run(&source, &template(), p).await, Ok(None), "{p:?}");
            assert_eq!(source.calls.load(Ordering::SeqCst), 0, "{p:?}");
        }
        // UseExistingBucket given as false still looks up.
        let source = Fake::new(Ok(vec![ID]));
        let got = run(&source, &template(), &[("UseExistingBucket", "false")]).await;
        assert_eq!(got, Ok(Some(ID.into())));
    }

    #[tokio::test]
    async fn existing_bucket_mode_by_default_skips_it_and_other_templates_never_look() {
        let mut t = template();
        t["Parameters"]["UseExistingBucket"]["Default"] = json!("true");
        let source = Fake::new(Ok(vec![ID]));
        assert_eq!(run(&source, &t, &[]).await, Ok(None));
        let only_detector_id =
            json!({"Parameters": {"DetectorId": {"Type": "String", "Default": ""}}});
        assert_eq!(run(&source, &only_detector_id, &[]).await, Ok(None));
        assert_eq!(run(&source, &json!({"Resources": {}}), &[]).await, Ok(None));
        assert_eq!(source.calls.load(Ordering::SeqCst), 0);
    }
}
