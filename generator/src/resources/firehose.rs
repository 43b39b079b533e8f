//! `AWS::KinesisFirehose::DeliveryStream`.
use super::Tag;
use crate::cfn::{Expr, Resource};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeliveryStream {
    pub delivery_stream_name: Expr,
    pub delivery_stream_type: &'static str,
    pub delivery_stream_encryption_configuration_input: EncryptionInput,
    pub extended_s3_destination_configuration: ExtendedS3Destination,
    pub tags: Vec<Tag>,
}

impl Resource for DeliveryStream {
    const TYPE: &'static str = "AWS::KinesisFirehose::DeliveryStream";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncryptionInput {
    pub key_type: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExtendedS3Destination {
    #[serde(rename = "BucketARN")]
    pub bucket_arn: Expr,
    #[serde(rename = "RoleARN")]
    pub role_arn: Expr,
    pub prefix: Expr,
    pub error_output_prefix: Expr,
    /// Overrides the object-name extension (Firehose adds `.gz` itself when it gzips).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_extension: Option<&'static str>,
    pub buffering_hints: BufferingHints,
    pub compression_format: &'static str,
    pub cloud_watch_logging_options: CloudWatchLogging,
    pub processing_configuration: Processing,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BufferingHints {
    pub interval_in_seconds: Expr,
    #[serde(rename = "SizeInMBs")]
    pub size_in_mbs: Expr,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CloudWatchLogging {
    pub enabled: bool,
    pub log_group_name: Expr,
    pub log_stream_name: Expr,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Processing {
    pub enabled: bool,
    pub processors: Vec<Processor>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Processor {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub parameters: Vec<ProcessorParameter>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessorParameter {
    pub parameter_name: &'static str,
    pub parameter_value: Expr,
}

impl Processor {
    /// A Lambda processor with explicit buffering (the defaults are unsuitable for large batches).
    pub fn lambda(function_arn: Expr, buffer_mb: u32, buffer_seconds: u32) -> Self {
        Processor {
            kind: "Lambda",
            parameters: vec![
                ProcessorParameter {
                    parameter_name: "LambdaArn",
                    parameter_value: function_arn,
                },
                ProcessorParameter {
                    parameter_name: "BufferSizeInMBs",
                    parameter_value: Expr::Str(buffer_mb.to_string()),
                },
                ProcessorParameter {
                    parameter_name: "BufferIntervalInSeconds",
                    parameter_value: Expr::Str(buffer_seconds.to_string()),
                },
                ProcessorParameter {
                    parameter_name: "NumberOfRetries",
                    parameter_value: Expr::Str("3".to_string()),
                },
            ],
        }
    }
}
