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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<ProcessorParameter>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessorParameter {
    pub parameter_name: &'static str,
    pub parameter_value: Expr,
}

/// How much input a Firehose Lambda processor buffers before it invokes the function, in
/// hundredths of a MB: Firehose takes 0.2 to 3 MB (`ProcessorParameter`, Amazon Data Firehose
/// API reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LambdaBufferMb(u16);

impl LambdaBufferMb {
    /// The least Firehose takes, 0.2 MB. The transforms gunzip CloudWatch Logs payloads, which
    /// expand many times, and Lambda returns at most 6 MB: the smaller the batch, the less
    /// often a transform must re-ingest what does not fit.
    pub const SMALLEST: Self = LambdaBufferMb(20);

    /// `hundredths` of a MB, or `None` outside Firehose's 0.2 to 3 MB.
    pub const fn new(hundredths: u16) -> Option<Self> {
        if hundredths >= 20 && hundredths <= 300 {
            Some(LambdaBufferMb(hundredths))
        } else {
            None
        }
    }

    /// The `BufferSizeInMBs` value: `0.2`, `0.25`, `1`, `2.5`.
    pub fn parameter_value(self) -> String {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        match frac {
            0 => whole.to_string(),
            f if f % 10 == 0 => format!("{whole}.{}", f / 10),
            f => format!("{whole}.{f:02}"),
        }
    }
}

impl Processor {
    /// Appends a new line to every record (one JSON document per line in the objects). It
    /// takes no parameters ("Processor", Amazon Data Firehose API reference).
    pub fn append_delimiter() -> Self {
        Processor {
            kind: "AppendDelimiterToRecord",
            parameters: Vec::new(),
        }
    }

    /// A Lambda processor with explicit buffering (the defaults are unsuitable for large batches).
    pub fn lambda(function_arn: Expr, buffer: LambdaBufferMb, buffer_seconds: u32) -> Self {
        Processor {
            kind: "Lambda",
            parameters: vec![
                ProcessorParameter {
                    parameter_name: "LambdaArn",
                    parameter_value: function_arn,
                },
                ProcessorParameter {
                    parameter_name: "BufferSizeInMBs",
                    parameter_value: Expr::Str(buffer.parameter_value()),
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

#[cfg(test)]
mod tests {
    use super::LambdaBufferMb;

    #[test]
    fn lambda_buffer_is_firehoses_range_written_as_a_decimal() {
        assert_eq!(LambdaBufferMb::SMALLEST, LambdaBufferMb::new(20).unwrap());
        assert_eq!(LambdaBufferMb::new(19), None);
        assert_eq!(LambdaBufferMb::new(301), None);
        let text = |h| LambdaBufferMb::new(h).unwrap().parameter_value();
        assert_eq!(
            [
                text(20),
                text(25),
                text(100),
                text(250),
                text(300),
                text(207)
            ],
            ["0.2", "0.25", "1", "2.5", "3", "2.07"]
        );
    }
}
